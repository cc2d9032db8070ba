package install

import (
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/app"
)

// configVariables are the environment variables app.Config reads: the
// Configuration table of the README.
func configVariables() []string {
	var names []string
	typ := reflect.TypeFor[app.Config]()
	for i := range typ.NumField() {
		if name := typ.Field(i).Tag.Get("envconfig"); name != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// Every variable of the Configuration table has a value in the chart, each
// value lands on its variable, and the kubelet's own Load accepts the result.
func TestChartSetsEveryVariable(t *testing.T) {
	needE2E(t)
	full := render(t, "rpk", "runpod",
		"runpod.apiKey=rp-key", "runpod.apiUrl=https://sim.runpod.test:8999",
		"kubelet.nodeName=gpu-a", "kubelet.namespace=leases", "kubelet.clusterId=prod-1",
		"kubelet.maxGpuPrice=0.8", "kubelet.maxHourlySpend=12.5", "kubelet.datacenterIds={US-TX-3,eu-ro-1}",
		"kubelet.cloudType=community", "kubelet.reconcileInterval=30", // the old chart's seconds
		"kubelet.capacity.gpu=8", "kubelet.capacity.cpu=64", "kubelet.capacity.memory=512Gi", "kubelet.capacity.pods=100",
		"kubelet.logLevel=debug", "kubelet.apiPort=11250", "kubelet.healthPort=9090", "kubelet.internalIp=10.1.2.3",
		"kubelet.tls.existingSecret=rpk-tls", "kubelet.kubeconfig.existingSecret=rpk-kubeconfig",
		"leaderElection.leaseDuration=20s", "leaderElection.renewDeadline=15s", "leaderElection.retryPeriod=3s",
		"kubelet.missingPodWindow=5m", "kubelet.orphanGrace=45s", "kubelet.exitedPodRetention=2h", "kubelet.allowedNamespaces={team-a,team-b}",
		"kubelet.allowedNetworkVolumeIds={team-a/vol-1,shared}", "kubelet.allowedTemplateIds={tpl-1}",
		"kubelet.allowedRegistryAuthIds={team-b/reg-9}", "kubelet.allowedGpuTypes={H100,RTX 4090}", "kubelet.statusBudgetShare=0.4")
	want := map[string]string{
		"KUBECONFIG":                 "/etc/runpod-kubelet/kubeconfig/kubeconfig",
		"RUNPOD_API_KEY":             "secret:rpk-runpod-kubelet-api-key/api-key",
		"RUNPOD_API_URL":             "https://sim.runpod.test:8999",
		"NODE_NAME":                  "gpu-a",
		"NAMESPACE":                  "leases",
		"CLUSTER_ID":                 "prod-1",
		"MAX_GPU_PRICE":              "0.8",
		"MAX_HOURLY_SPEND":           "12.5",
		"DATACENTER_IDS":             "US-TX-3,eu-ro-1",
		"ALLOWED_GPU_TYPES":          "H100,RTX 4090",
		"CLOUD_TYPE":                 "COMMUNITY",
		"RECONCILE_INTERVAL":         "30s",
		"STATUS_BUDGET_SHARE":        "0.4",
		"MISSING_POD_WINDOW":         "5m",
		"ORPHAN_GRACE":               "45s",
		"EXITED_POD_RETENTION":       "2h",
		"ALLOWED_NAMESPACES":         "team-a,team-b",
		"ALLOWED_NETWORK_VOLUME_IDS": "team-a/vol-1,shared",
		"ALLOWED_TEMPLATE_IDS":       "tpl-1",
		"ALLOWED_REGISTRY_AUTH_IDS":  "team-b/reg-9",
		"NODE_CAPACITY_GPU":          "8",
		"NODE_CAPACITY_CPU":          "64",
		"NODE_CAPACITY_MEMORY":       "512Gi",
		"NODE_CAPACITY_PODS":         "100",
		"LISTEN_ADDR":                ":11250",
		"INTERNAL_IP":                "10.1.2.3",
		"HEALTH_ADDR":                ":9090",
		"LOG_LEVEL":                  "debug",
		"LEADER_ELECTION":            "true",
		"LEASE_DURATION":             "20s",
		"LEASE_RENEW_DEADLINE":       "15s",
		"LEASE_RETRY_PERIOD":         "3s",
		"POD_NAME":                   "field:metadata.name",
		"GOMEMLIMIT":                 "resource:limits.memory",
		"TLS_CERT_FILE":              "/etc/runpod-kubelet/tls/tls.crt",
		"TLS_KEY_FILE":               "/etc/runpod-kubelet/tls/tls.key",
	}
	fullEnv := full.envSources(t)
	if !reflect.DeepEqual(fullEnv, want) {
		t.Errorf("every value set: env\n%v\nwant\n%v", fullEnv, want)
	}
	d := full.deployment(t)
	mounts := map[string]string{}
	for _, m := range d.Spec.Template.Spec.Containers[0].VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	secrets := map[string]string{}
	for _, v := range d.Spec.Template.Spec.Volumes {
		secrets[v.Name] = v.Secret.SecretName
	}
	if mounts["tls"] != "/etc/runpod-kubelet/tls" || secrets["tls"] != "rpk-tls" ||
		mounts["kubeconfig"] != "/etc/runpod-kubelet/kubeconfig" || secrets["kubeconfig"] != "rpk-kubeconfig" {
		t.Errorf("mounts %v of Secrets %v do not back TLS_*_FILE and KUBECONFIG", mounts, secrets)
	}

	keyFile := render(t, "rpk", "runpod", "runpod.apiKeyFile=/var/run/runpod/api-key")
	keyFileEnv := keyFile.envSources(t)
	if keyFileEnv["RUNPOD_API_KEY_FILE"] != "/var/run/runpod/api-key" || keyFileEnv["POD_IP"] != "field:status.podIP" {
		t.Errorf("runpod.apiKeyFile and no internalIp: env %v", keyFileEnv)
	}
	if _, ok := keyFileEnv["RUNPOD_API_KEY"]; ok {
		t.Error("runpod.apiKeyFile still sets RUNPOD_API_KEY; the kubelet refuses both")
	}

	for _, name := range configVariables() {
		_, inFull := fullEnv[name]
		_, inKeyFile := keyFileEnv[name]
		if !inFull && !inKeyFile {
			t.Errorf("no chart value sets %s (app.Config): add one to chart/values.yaml", name)
		}
	}

	cfg := loadConfig(t, fullEnv, map[string]string{"secret:rpk-runpod-kubelet-api-key/api-key": "rp-key",
		"field:metadata.name": "rpk-runpod-kubelet-7d9f-x2x4q"})
	if cfg.NodeName != "gpu-a" || cfg.ReconcileInterval != 30*time.Second || cfg.MaxGPUPrice != 0.8 ||
		!slices.Equal(cfg.DataCenterIDs, []string{"US-TX-3", "EU-RO-1"}) || cfg.CloudType != "COMMUNITY" ||
		!slices.Equal(cfg.AllowedGPUTypes, []string{"H100", "RTX 4090"}) ||
		cfg.Namespace != "leases" || cfg.NodeIP() != "10.1.2.3" || cfg.StatusBudgetShare != 0.4 {
		t.Errorf("the kubelet read %+v", cfg)
	}
	defaults := render(t, "runpod-kubelet", "kube-system", "runpod.existingSecret=k")
	cfg = loadConfig(t, defaults.envSources(t), map[string]string{"secret:k/api-key": "rp-key",
		"field:metadata.name": "runpod-kubelet-7d9f-x2x4q", "field:status.podIP": "10.244.0.7"})
	if cfg.NodeName != "virtual-runpod" || cfg.Namespace != "kube-system" || cfg.NodeIP() != "10.244.0.7" || !cfg.LeaderElection {
		t.Errorf("with the chart's defaults the kubelet read %+v", cfg)
	}
}

// loadConfig runs the kubelet's app.Load over the rendered environment, with
// valueFrom sources resolved through from, and fails on any setting error.
func loadConfig(t *testing.T, env, from map[string]string) *app.Config {
	t.Helper()
	for _, name := range configVariables() {
		t.Setenv(name, "") // restored after the test
		os.Unsetenv(name)
	}
	for name, value := range env {
		if strings.HasPrefix(value, "resource:") {
			continue // a Go runtime setting (GOMEMLIMIT), not app.Config
		}
		if strings.HasPrefix(value, "secret:") || strings.HasPrefix(value, "field:") {
			resolved, ok := from[value]
			if !ok {
				t.Fatalf("%s comes from %s, which this test cannot resolve", name, value)
			}
			value = resolved
		}
		t.Setenv(name, value)
	}
	cfg, err := app.Load(nil, func(string) ([]byte, error) { return []byte("rp-key"), nil })
	if err != nil {
		t.Fatalf("the kubelet refuses the chart's settings: %v", err)
	}
	return cfg
}
