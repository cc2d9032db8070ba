package app

import (
	"encoding"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"
	corev1 "k8s.io/api/core/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Config is the kubelet's whole configuration. Each field is one environment
// variable (its envconfig tag); six of them also take a flag (flags.go). The
// README's Configuration table is tested against these tags.
type Config struct {
	// Kubeconfig is the kubeconfig path; empty means in-cluster credentials.
	Kubeconfig string `envconfig:"KUBECONFIG"`
	// APIKey is the RunPod API key; it prints as [REDACTED] under every verb.
	APIKey runpodapi.APIKey `envconfig:"RUNPOD_API_KEY"`
	// APIKeyFile holds the key instead (a mounted Secret); Load reads it into APIKey.
	APIKeyFile string `envconfig:"RUNPOD_API_KEY_FILE"`
	// APIURL is RunPod's API server; the client adds /v2.
	APIURL string `envconfig:"RUNPOD_API_URL" default:"https://api.runpod.io"`
	// NodeName is the virtual node's name.
	NodeName string `envconfig:"NODE_NAME" default:"virtual-runpod"`
	// Namespace is the namespace the kubelet is installed in. It qualifies the
	// leader identity, so two installs serving one node name tell each other
	// apart; the Lease itself lives in kube-node-lease.
	Namespace string `envconfig:"NAMESPACE" default:"kube-system"`
	// ClusterID tells this cluster's RunPod pods from others'; empty means the
	// wiring uses the UID of the kube-system namespace.
	ClusterID string `envconfig:"CLUSTER_ID"`
	// MaxGPUPrice is the per-GPU $/h cap of every placement.
	MaxGPUPrice float64 `envconfig:"MAX_GPU_PRICE" default:"0.5"`
	// MaxHourlySpend caps the node's total $/h across its pods; 0 means no cap.
	MaxHourlySpend float64 `envconfig:"MAX_HOURLY_SPEND" default:"0"`
	// DataCenterIDs is the allow-list of data centers, upper-cased; empty lets RunPod choose.
	DataCenterIDs []string `envconfig:"DATACENTER_IDS"`
	// AllowedGPUTypes are the only GPU types the node offers, as ids or the
	// names people type ("H100", "RTX 4090"); empty offers every type.
	AllowedGPUTypes []string `envconfig:"ALLOWED_GPU_TYPES"`
	// CloudType is the default cloud tier, upper-cased.
	CloudType runpodapi.Cloud `envconfig:"CLOUD_TYPE" default:"SECURE"`
	// ReconcileInterval is the shortest interval between full listings of
	// steady pods; the status budget makes it longer when the quota is tight.
	ReconcileInterval time.Duration `envconfig:"RECONCILE_INTERVAL" default:"2s"`
	// StatusBudgetShare is the share of the request rate RunPod's rate-limit
	// windows sustain that status reads (listings, reads of pods in
	// transition) may spend; creates and deletes keep the rest.
	StatusBudgetShare float64 `envconfig:"STATUS_BUDGET_SHARE" default:"0.25"`
	// MissingPodWindow is how long a RunPod pod must be absent from every
	// complete listing before GET /v2/pods/{id} is asked whether it is gone.
	MissingPodWindow time.Duration `envconfig:"MISSING_POD_WINDOW" default:"2m"`
	// ExitedRetention is how long an ended pod's stopped RunPod pod is kept
	// for `kubectl logs` (it costs nothing without a persistent disk); 0
	// deletes it at once.
	ExitedRetention time.Duration `envconfig:"EXITED_POD_RETENTION" default:"24h"`
	// OrphanGrace is how old an unowned RunPod pod of this node must be
	// before it is deleted; the default covers informer lag.
	OrphanGrace time.Duration `envconfig:"ORPHAN_GRACE" default:"30s"`
	// AllowedNamespaces are the namespaces whose pods the node runs; empty = all.
	AllowedNamespaces []string `envconfig:"ALLOWED_NAMESPACES"`
	// AllowedNetworkVolumeIDs, AllowedTemplateIDs and AllowedRegistryAuthIDs
	// limit the account-wide ids each namespace's pods may name.
	AllowedNetworkVolumeIDs policy.IDAllowList `envconfig:"ALLOWED_NETWORK_VOLUME_IDS"`
	AllowedTemplateIDs      policy.IDAllowList `envconfig:"ALLOWED_TEMPLATE_IDS"`
	AllowedRegistryAuthIDs  policy.IDAllowList `envconfig:"ALLOWED_REGISTRY_AUTH_IDS"`
	// CapacityGPU is the node's nvidia.com/gpu capacity, a whole quantity.
	CapacityGPU Quantity `envconfig:"NODE_CAPACITY_GPU" default:"64"`
	// CapacityCPU is the node's cpu capacity.
	CapacityCPU Quantity `envconfig:"NODE_CAPACITY_CPU" default:"1024"`
	// CapacityMemory is the node's memory capacity.
	CapacityMemory Quantity `envconfig:"NODE_CAPACITY_MEMORY" default:"4Ti"`
	// CapacityPods is how many pods the node accepts, a whole quantity.
	CapacityPods Quantity `envconfig:"NODE_CAPACITY_PODS" default:"1000"`
	// ListenAddr is the kubelet API's host:port (logs, exec).
	ListenAddr HostPort `envconfig:"LISTEN_ADDR" default:":10250"`
	// InternalIP is the node's InternalIP when POD_IP is unset.
	InternalIP string `envconfig:"INTERNAL_IP"`
	// HealthAddr serves /healthz, /readyz and /metrics.
	HealthAddr HostPort `envconfig:"HEALTH_ADDR" default:":8080"`
	// LogLevel is debug, info, warn or error, lower-cased.
	LogLevel string `envconfig:"LOG_LEVEL" default:"info"`
	// LeaderElection lets only the Lease holder act, so replicas never double-create.
	LeaderElection bool `envconfig:"LEADER_ELECTION" default:"true"`
	// LeaseDuration is how long followers wait before taking the Lease over.
	LeaseDuration time.Duration `envconfig:"LEASE_DURATION" default:"15s"`
	// RenewDeadline is how long the leader retries renewing before it steps down.
	RenewDeadline time.Duration `envconfig:"LEASE_RENEW_DEADLINE" default:"10s"`
	// RetryPeriod is the wait between Lease attempts. client-go adds up to
	// 1.2× of jitter, so at 500ms a standby tries again within 1.1 s of a
	// released Lease (a SIGTERM handover under 2 s); the leader renews as
	// often, two small Lease writes a second.
	RetryPeriod time.Duration `envconfig:"LEASE_RETRY_PERIOD" default:"500ms"`
	// PodName is the leader identity; Load sets hostname-<5 random chars> when
	// empty, so two replicas on one host never share it.
	PodName string `envconfig:"POD_NAME"`
	// PodIP is the node's InternalIP when set (the downward API's status.podIP).
	PodIP string `envconfig:"POD_IP"`
	// TLSCertFile and TLSKeyFile serve the kubelet API; both empty means a
	// self-signed pair is generated at start.
	TLSCertFile string `envconfig:"TLS_CERT_FILE"`
	TLSKeyFile  string `envconfig:"TLS_KEY_FILE"`
}

// SettingError is one invalid setting. Load returns all of them, joined.
type SettingError struct {
	Variable string // the environment variable, e.g. MAX_GPU_PRICE
	Flag     string // the flag that gave the value, e.g. --max-gpu-price; "" for the environment
	Reason   string // never contains the API key
}

func (e *SettingError) Error() string {
	if e.Flag != "" {
		return fmt.Sprintf("%s (%s): %s", e.Flag, e.Variable, e.Reason)
	}
	return e.Variable + ": " + e.Reason
}

// Load reads the environment, then args (a flag given overrides its
// variable), reads RUNPOD_API_KEY_FILE with readFile, fills PodName and
// validates everything. The error joins one *SettingError per bad setting,
// so a user fixes them all in one go; a malformed flag stops it before validation.
func Load(args []string, readFile func(string) ([]byte, error)) (*Config, error) {
	cfg := &Config{}
	errs, malformed := processEnv(cfg)
	setBy, err := applyFlags(cfg, args)
	if err != nil {
		return nil, errors.Join(append(errs, err)...)
	}
	p := &problems{setBy: setBy}
	cfg.loadAPIKey(p, readFile)
	cfg.validate(p)
	for _, e := range p.errs {
		if !malformed[e.Variable] || e.Flag != "" { // else already reported as unparsable
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.PodName == "" {
		cfg.PodName = defaultPodName()
	}
	return cfg, nil
}

// processEnv fills cfg with envconfig one field at a time, because
// envconfig.Process stops at the first malformed variable and we want them
// all. It also returns the variables that failed to parse.
func processEnv(cfg *Config) ([]error, map[string]bool) {
	v := reflect.ValueOf(cfg).Elem()
	var errs []error
	malformed := map[string]bool{}
	for i := range v.NumField() {
		f := v.Type().Field(i)
		one := reflect.New(reflect.StructOf([]reflect.StructField{{Name: f.Name, Type: f.Type, Tag: f.Tag}}))
		if err := envconfig.Process("", one.Interface()); err != nil {
			name := f.Tag.Get("envconfig")
			malformed[name] = true
			errs = append(errs, parseError(name, f.Type, err))
			continue
		}
		v.Field(i).Set(one.Elem().Field(0))
	}
	return errs, malformed
}

// parseError words an envconfig failure for a user. Only string-kinded fields
// can never fail, so the API key's value is never quoted.
func parseError(name string, t reflect.Type, err error) error {
	var pe *envconfig.ParseError
	if !errors.As(err, &pe) {
		return &SettingError{Variable: name, Reason: err.Error()}
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return &SettingError{Variable: name, Reason: pe.Err.Error()} // the type's own words
	}
	want := "a valid " + t.String()
	switch {
	case t == reflect.TypeFor[time.Duration]():
		want = "a duration such as 10s or 1m30s"
	case t.Kind() == reflect.Bool:
		want = "true or false"
	case t.Kind() == reflect.Float64:
		want = "a number"
	}
	return &SettingError{Variable: name, Reason: fmt.Sprintf("%q is not %s", pe.Value, want)}
}

// loadAPIKey settles the key from RUNPOD_API_KEY or RUNPOD_API_KEY_FILE; the
// key itself never enters a message.
func (c *Config) loadAPIKey(p *problems, readFile func(string) ([]byte, error)) {
	c.APIKey = runpodapi.APIKey(strings.TrimSpace(string(c.APIKey)))
	switch {
	case c.APIKey != "" && c.APIKeyFile != "":
		p.add("RUNPOD_API_KEY_FILE", "set either RUNPOD_API_KEY or RUNPOD_API_KEY_FILE, not both")
		return
	case c.APIKeyFile != "":
		raw, err := readFile(c.APIKeyFile)
		if err != nil {
			p.add("RUNPOD_API_KEY_FILE", "read the API key: %v", err)
			return
		}
		c.APIKey = runpodapi.APIKey(strings.TrimSpace(string(raw)))
		if c.APIKey == "" {
			p.add("RUNPOD_API_KEY_FILE", "%s holds no API key", c.APIKeyFile)
			return
		}
	case c.APIKey == "":
		p.add("RUNPOD_API_KEY", "required (or set RUNPOD_API_KEY_FILE to a file holding the key)")
		return
	}
	if strings.ContainsFunc(string(c.APIKey), isSpaceOrControl) {
		source := "RUNPOD_API_KEY"
		if c.APIKeyFile != "" {
			source = "RUNPOD_API_KEY_FILE"
		}
		p.add(source, "the API key contains whitespace or control characters")
	}
}

// NodeIP is the node's InternalIP: POD_IP, else INTERNAL_IP, else "" (the
// caller picks a default).
func (c *Config) NodeIP() string {
	if c.PodIP != "" {
		return c.PodIP
	}
	return c.InternalIP
}

// Capacity is the node's capacity.
func (c *Config) Capacity() corev1.ResourceList {
	return corev1.ResourceList{
		policy.ResourceGPU:    c.CapacityGPU.Quantity,
		corev1.ResourceCPU:    c.CapacityCPU.Quantity,
		corev1.ResourceMemory: c.CapacityMemory.Quantity,
		corev1.ResourcePods:   c.CapacityPods.Quantity,
	}
}

// Placement is what every placement decision obeys, built once per term
// (the cluster id may come from the API server).
func (c *Config) Placement(clusterID string) policy.NodeSettings {
	return policy.NodeSettings{
		ClusterID: clusterID, NodeName: c.NodeName, MaxGPUPrice: c.MaxGPUPrice,
		DataCenterIDs: c.DataCenterIDs, CloudType: c.CloudType, AllowedGPUTypes: c.AllowedGPUTypes,
		AccountIDs: policy.AccountIDs{NetworkVolumes: c.AllowedNetworkVolumeIDs, Templates: c.AllowedTemplateIDs,
			RegistryAuths: c.AllowedRegistryAuthIDs},
	}
}

// SlogLevel is LOG_LEVEL as a slog.Level.
func (c *Config) SlogLevel() slog.Level {
	switch c.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// LogValue logs every setting under its variable name, the API key redacted.
func (c *Config) LogValue() slog.Value {
	v := reflect.ValueOf(c).Elem()
	attrs := make([]slog.Attr, 0, v.NumField())
	for i := range v.NumField() {
		value := v.Field(i).Interface()
		if _, isKey := value.(runpodapi.APIKey); isKey {
			value = fmt.Sprint(value) // [REDACTED], whatever the handler does with types
		}
		attrs = append(attrs, slog.Any(v.Type().Field(i).Tag.Get("envconfig"), value))
	}
	return slog.GroupValue(attrs...)
}

// defaultPodName is the leader identity when POD_NAME is unset.
func defaultPodName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "runpod-kubelet"
	}
	return host + "-" + utilrand.String(5)
}
