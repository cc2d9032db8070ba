package app

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/tools/leaderelection"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// problems collects SettingErrors, naming the flag when a flag gave the value.
type problems struct {
	setBy map[string]string // variable → "--flag" given on the command line
	errs  []*SettingError
}

func (p *problems) add(variable, format string, args ...any) {
	p.errs = append(p.errs, &SettingError{Variable: variable, Flag: p.setBy[variable], Reason: fmt.Sprintf(format, args...)})
}

// validate checks every setting after normalizing the case-insensitive ones.
func (c *Config) validate(p *problems) {
	c.validateRunPod(p)
	c.validateNode(p)
	c.validateProcess(p)
	c.validateLeaderElection(p)
}

var (
	// dataCenterID matches RunPod's ids: US-TX-3, EU-RO-1, EUR-IS-1, SEA-SG-1.
	dataCenterID = regexp.MustCompile(`^[A-Z]{2,4}-[A-Z0-9]+-[0-9]+$`)
	// clusterIDPattern is a label value, so the id can label what the kubelet owns.
	clusterIDPattern = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`)
)

func (c *Config) validateRunPod(p *problems) {
	if _, err := runpodapi.ParseBaseURL(c.APIURL); err != nil {
		p.add("RUNPOD_API_URL", "%v", err)
	}
	if !(c.MaxGPUPrice > 0) || math.IsInf(c.MaxGPUPrice, 0) {
		p.add("MAX_GPU_PRICE", "must be a positive per-GPU $/h, got %v", c.MaxGPUPrice)
	}
	if !(c.MaxHourlySpend >= 0) || math.IsInf(c.MaxHourlySpend, 0) {
		p.add("MAX_HOURLY_SPEND", "must be a $/h of 0 (no cap) or more, got %v", c.MaxHourlySpend)
	}
	c.CloudType = runpodapi.Cloud(strings.ToUpper(strings.TrimSpace(string(c.CloudType))))
	if c.CloudType != runpodapi.CloudSecure && c.CloudType != runpodapi.CloudCommunity {
		p.add("CLOUD_TYPE", "%q is not SECURE or COMMUNITY", c.CloudType)
	}
	var ids []string
	for _, raw := range c.DataCenterIDs {
		id := strings.ToUpper(strings.TrimSpace(raw))
		switch {
		case id == "":
			p.add("DATACENTER_IDS", "%q has an empty entry", strings.Join(c.DataCenterIDs, ","))
		case !dataCenterID.MatchString(id):
			p.add("DATACENTER_IDS", "%q is not a data center id such as US-TX-3", raw)
		case !slices.Contains(ids, id):
			ids = append(ids, id)
		}
	}
	c.DataCenterIDs = ids
	var gpus []string
	for _, raw := range c.AllowedGPUTypes {
		name := strings.TrimSpace(raw)
		switch {
		case name == "":
			p.add("ALLOWED_GPU_TYPES", "%q has an empty entry", strings.Join(c.AllowedGPUTypes, ","))
		case len(name) > 256 || strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }):
			p.add("ALLOWED_GPU_TYPES", "%q is not a GPU type name", raw)
		case !slices.Contains(gpus, name):
			gpus = append(gpus, name)
		}
	}
	c.AllowedGPUTypes = gpus
	if c.ReconcileInterval < time.Second {
		p.add("RECONCILE_INTERVAL", "must be at least 1s, got %s", c.ReconcileInterval)
	}
	if c.StatusBudgetShare <= 0 || c.StatusBudgetShare > 0.9 {
		p.add("STATUS_BUDGET_SHARE", "must be more than 0 and at most 0.9 (creates and deletes need the rest), got %g", c.StatusBudgetShare)
	}
	if c.ExitedRetention < 0 {
		p.add("EXITED_POD_RETENTION", "must be 0 (delete at once) or more, got %s", c.ExitedRetention)
	}
	if c.OrphanGrace < time.Second {
		p.add("ORPHAN_GRACE", "must be at least 1s, got %s", c.OrphanGrace)
	}
	if c.MissingPodWindow < 5*time.Second {
		p.add("MISSING_POD_WINDOW", "must be at least 5s, got %s", c.MissingPodWindow)
	}
}

func (c *Config) validateNode(p *problems) {
	if msgs := validation.IsDNS1123Subdomain(c.NodeName); len(msgs) > 0 {
		p.add("NODE_NAME", "%q is not a valid node name: %s", c.NodeName, strings.Join(msgs, "; "))
	}
	if msgs := validation.IsDNS1123Label(c.Namespace); len(msgs) > 0 {
		p.add("NAMESPACE", "%q is not a valid namespace: %s", c.Namespace, strings.Join(msgs, "; "))
	}
	var namespaces []string
	for _, raw := range c.AllowedNamespaces {
		ns := strings.TrimSpace(raw)
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			p.add("ALLOWED_NAMESPACES", "%q is not a namespace name: %s", raw, strings.Join(msgs, "; "))
		} else if !slices.Contains(namespaces, ns) {
			namespaces = append(namespaces, ns)
		}
	}
	c.AllowedNamespaces = namespaces
	if c.ClusterID != "" && !clusterIDPattern.MatchString(c.ClusterID) {
		p.add("CLUSTER_ID", "%q is not 1 to 63 of [A-Za-z0-9-_.], starting and ending alphanumeric", c.ClusterID)
	}
	for _, q := range []struct {
		variable string
		value    Quantity
		whole    bool
	}{
		{"NODE_CAPACITY_GPU", c.CapacityGPU, true},
		{"NODE_CAPACITY_CPU", c.CapacityCPU, false},
		{"NODE_CAPACITY_MEMORY", c.CapacityMemory, false},
		{"NODE_CAPACITY_PODS", c.CapacityPods, true},
	} {
		_, whole := q.value.AsInt64()
		switch {
		case q.value.Sign() < 0:
			p.add(q.variable, "must not be negative, got %s", q.value.String())
		case q.whole && !whole:
			p.add(q.variable, "must be a whole number, got %s", q.value.String())
		}
	}
	for _, a := range [][2]string{{"INTERNAL_IP", c.InternalIP}, {"POD_IP", c.PodIP}} {
		if _, err := netip.ParseAddr(a[1]); a[1] != "" && err != nil {
			p.add(a[0], "%q is not an IP address", a[1])
		}
	}
}

// validateProcess checks the listeners, their TLS pair and the log level.
func (c *Config) validateProcess(p *problems) {
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		missing, given := "TLS_KEY_FILE", "TLS_CERT_FILE"
		if c.TLSCertFile == "" {
			missing, given = given, missing
		}
		p.add(missing, "required when %s is set (set both, or neither for a self-signed pair)", given)
	}
	c.LogLevel = strings.ToLower(strings.TrimSpace(c.LogLevel))
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		p.add("LOG_LEVEL", "%q is not debug, info, warn or error", c.LogLevel)
	}
}

// validateLeaderElection applies client-go's own rule, so a bad timing fails
// here with the variable's name rather than later inside the elector.
func (c *Config) validateLeaderElection(p *problems) {
	switch {
	case c.RetryPeriod <= 0:
		p.add("LEASE_RETRY_PERIOD", "must be more than 0, got %s", c.RetryPeriod)
	case c.RenewDeadline <= time.Duration(leaderelection.JitterFactor*float64(c.RetryPeriod)):
		p.add("LEASE_RENEW_DEADLINE", "must be more than %v × LEASE_RETRY_PERIOD (%s), got %s",
			leaderelection.JitterFactor, c.RetryPeriod, c.RenewDeadline)
	case c.LeaseDuration <= c.RenewDeadline:
		p.add("LEASE_DURATION", "must be more than LEASE_RENEW_DEADLINE (%s), got %s", c.RenewDeadline, c.LeaseDuration)
	}
}

// isSpaceOrControl reports runes that cannot be part of a bearer token.
func isSpaceOrControl(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }
