package app

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

const testKey = "rpa_TESTKEY0123456789SECRET"

// envNames is every variable Config reads, from its envconfig tags.
func envNames() []string {
	t := reflect.TypeFor[Config]()
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		names = append(names, t.Field(i).Tag.Get("envconfig"))
	}
	return names
}

// setEnv clears every config variable for the test, then sets env.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, name := range envNames() {
		t.Setenv(name, "") // restores the old value after the test
		os.Unsetenv(name)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// files is a readFile over an in-memory file system.
func files(m map[string]string) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		if v, ok := m[path]; ok {
			return []byte(v), nil
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
}

// load runs Load over env (plus a key unless env names one) and args.
func load(t *testing.T, env map[string]string, args ...string) (*Config, error) {
	t.Helper()
	full := map[string]string{"RUNPOD_API_KEY": testKey}
	if _, ok := env["RUNPOD_API_KEY_FILE"]; ok {
		delete(full, "RUNPOD_API_KEY")
	}
	for k, v := range env {
		full[k] = v
	}
	setEnv(t, full)
	return Load(args, files(map[string]string{"/secrets/key": "  " + testKey + "\n"}))
}

// settingErrors is every *SettingError joined into err.
func settingErrors(t *testing.T, err error) []*SettingError {
	t.Helper()
	var out []*SettingError
	var walk func(error)
	walk = func(e error) {
		if se, ok := e.(*SettingError); ok {
			out = append(out, se)
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range j.Unwrap() {
				walk(inner)
			}
		}
	}
	walk(err)
	return out
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	suffix, ok := strings.CutPrefix(cfg.PodName, host+"-")
	if !ok || len(suffix) != 5 {
		t.Errorf("PodName = %q, want %q-<5 chars>", cfg.PodName, host)
	}
	cfg.PodName = ""
	want := &Config{
		APIKey: testKey, APIURL: runpodapi.DefaultBaseURL, NodeName: "virtual-runpod",
		Namespace: "kube-system", MaxGPUPrice: 0.5, CloudType: runpodapi.CloudSecure,
		ReconcileInterval: 2 * time.Second, StatusBudgetShare: 0.25, MissingPodWindow: 2 * time.Minute, CapacityGPU: MustQuantity("64"), CapacityCPU: MustQuantity("1024"),
		CapacityMemory: MustQuantity("4Ti"), CapacityPods: MustQuantity("1000"), ListenAddr: HostPort{Port: 10250}, HealthAddr: HostPort{Port: 8080},
		OrphanGrace: 30 * time.Second, ExitedRetention: 24 * time.Hour,
		LogLevel: "info", LeaderElection: true, LeaseDuration: 15 * time.Second,
		RenewDeadline: 10 * time.Second, RetryPeriod: 500 * time.Millisecond,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("defaults\n got  %+v\n want %+v", *cfg, *want)
	}
}

func TestLoadEveryVariable(t *testing.T) {
	cfg, err := load(t, map[string]string{
		"KUBECONFIG": "/home/me/.kube/config", "RUNPOD_API_URL": "http://127.0.0.1:8999",
		"NODE_NAME": "gpu-cloud", "NAMESPACE": "runpod", "CLUSTER_ID": "prod-eu",
		"MAX_GPU_PRICE": "1.25", "MAX_HOURLY_SPEND": "40", "DATACENTER_IDS": " eu-ro-1 ,US-TX-3,EU-RO-1",
		"CLOUD_TYPE": "community", "RECONCILE_INTERVAL": "30s", "STATUS_BUDGET_SHARE": "0.4", "NODE_CAPACITY_GPU": "8",
		"NODE_CAPACITY_CPU": "500m", "NODE_CAPACITY_MEMORY": "64Gi", "NODE_CAPACITY_PODS": "20",
		"LISTEN_ADDR": "127.0.0.1:10251", "INTERNAL_IP": "10.0.0.9", "HEALTH_ADDR": "[::1]:9090",
		"LOG_LEVEL": "DEBUG", "LEADER_ELECTION": "false", "LEASE_DURATION": "60s",
		"LEASE_RENEW_DEADLINE": "40s", "LEASE_RETRY_PERIOD": "5s", "POD_NAME": "rpk-0",
		"POD_IP": "fd00::7", "TLS_CERT_FILE": "/tls/crt", "TLS_KEY_FILE": "/tls/key",
		"MISSING_POD_WINDOW": "5m", "ORPHAN_GRACE": "5s", "EXITED_POD_RETENTION": "0s", "ALLOWED_NAMESPACES": "team-a, team-b,team-a",
		"ALLOWED_NETWORK_VOLUME_IDS": "team-a/vol-1,shared", "ALLOWED_TEMPLATE_IDS": "tpl-1",
		"ALLOWED_REGISTRY_AUTH_IDS": "team-b/reg-9", "ALLOWED_GPU_TYPES": " H100,RTX 4090 ,H100",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Kubeconfig: "/home/me/.kube/config", APIKey: testKey, APIURL: "http://127.0.0.1:8999",
		NodeName: "gpu-cloud", Namespace: "runpod", ClusterID: "prod-eu", MaxGPUPrice: 1.25,
		MaxHourlySpend: 40, DataCenterIDs: []string{"EU-RO-1", "US-TX-3"},
		CloudType: runpodapi.CloudCommunity, ReconcileInterval: 30 * time.Second, StatusBudgetShare: 0.4,
		CapacityGPU: MustQuantity("8"), CapacityCPU: MustQuantity("500m"), CapacityMemory: MustQuantity("64Gi"), CapacityPods: MustQuantity("20"),
		ListenAddr: HostPort{"127.0.0.1", 10251}, InternalIP: "10.0.0.9", HealthAddr: HostPort{"::1", 9090}, OrphanGrace: 5 * time.Second, ExitedRetention: 0,
		LogLevel: "debug", LeaderElection: false, LeaseDuration: time.Minute,
		RenewDeadline: 40 * time.Second, RetryPeriod: 5 * time.Second, PodName: "rpk-0",
		PodIP: "fd00::7", TLSCertFile: "/tls/crt", TLSKeyFile: "/tls/key",
		MissingPodWindow: 5 * time.Minute, AllowedNamespaces: []string{"team-a", "team-b"},
		AllowedNetworkVolumeIDs: mustIDs(t, "team-a/vol-1,shared"), AllowedTemplateIDs: mustIDs(t, "tpl-1"),
		AllowedRegistryAuthIDs: mustIDs(t, "team-b/reg-9"), AllowedGPUTypes: []string{"H100", "RTX 4090"},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("\n got  %+v\n want %+v", *cfg, *want)
	}
	for _, name := range envNames() { // the map above must stay complete
		if name != "RUNPOD_API_KEY" && name != "RUNPOD_API_KEY_FILE" && os.Getenv(name) == "" {
			t.Errorf("%s is not exercised", name)
		}
	}
}

// TestLoadInvalid: each bad value is reported under exactly its variable.
func TestLoadInvalid(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"RUNPOD_API_KEY": ""}, "RUNPOD_API_KEY"},
		{map[string]string{"RUNPOD_API_KEY": "two words"}, "RUNPOD_API_KEY"},
		{map[string]string{"RUNPOD_API_KEY_FILE": "/missing"}, "RUNPOD_API_KEY_FILE"},
		{map[string]string{"RUNPOD_API_KEY_FILE": "/secrets/key", "RUNPOD_API_KEY": testKey}, "RUNPOD_API_KEY_FILE"},
		{map[string]string{"RUNPOD_API_URL": "api.runpod.io"}, "RUNPOD_API_URL"},
		{map[string]string{"RUNPOD_API_URL": "ftp://api.runpod.io"}, "RUNPOD_API_URL"},
		{map[string]string{"NODE_NAME": "Virtual_RunPod"}, "NODE_NAME"},
		{map[string]string{"NODE_NAME": ""}, "NODE_NAME"},
		{map[string]string{"NAMESPACE": "kube.system"}, "NAMESPACE"},
		{map[string]string{"CLUSTER_ID": "prod eu"}, "CLUSTER_ID"},
		{map[string]string{"MAX_GPU_PRICE": "0"}, "MAX_GPU_PRICE"},
		{map[string]string{"MAX_GPU_PRICE": "NaN"}, "MAX_GPU_PRICE"},
		{map[string]string{"MAX_GPU_PRICE": "cheap"}, "MAX_GPU_PRICE"},
		{map[string]string{"MAX_HOURLY_SPEND": "-1"}, "MAX_HOURLY_SPEND"},
		{map[string]string{"MAX_HOURLY_SPEND": "+Inf"}, "MAX_HOURLY_SPEND"},
		{map[string]string{"DATACENTER_IDS": "EU-RO-1,,US-TX-3"}, "DATACENTER_IDS"},
		{map[string]string{"DATACENTER_IDS": "europe"}, "DATACENTER_IDS"},
		{map[string]string{"ALLOWED_GPU_TYPES": "H100,,L40S"}, "ALLOWED_GPU_TYPES"},
		{map[string]string{"CLOUD_TYPE": "ALL"}, "CLOUD_TYPE"},
		{map[string]string{"RECONCILE_INTERVAL": "500ms"}, "RECONCILE_INTERVAL"},
		{map[string]string{"STATUS_BUDGET_SHARE": "0"}, "STATUS_BUDGET_SHARE"},
		{map[string]string{"STATUS_BUDGET_SHARE": "0.95"}, "STATUS_BUDGET_SHARE"},
		{map[string]string{"RECONCILE_INTERVAL": "10"}, "RECONCILE_INTERVAL"},
		{map[string]string{"NODE_CAPACITY_GPU": "1.5"}, "NODE_CAPACITY_GPU"},
		{map[string]string{"NODE_CAPACITY_CPU": "-1"}, "NODE_CAPACITY_CPU"},
		{map[string]string{"NODE_CAPACITY_MEMORY": "lots"}, "NODE_CAPACITY_MEMORY"},
		{map[string]string{"NODE_CAPACITY_PODS": "100m"}, "NODE_CAPACITY_PODS"},
		{map[string]string{"LISTEN_ADDR": "10250"}, "LISTEN_ADDR"},
		{map[string]string{"HEALTH_ADDR": ":http"}, "HEALTH_ADDR"},
		{map[string]string{"INTERNAL_IP": "10.0.0"}, "INTERNAL_IP"},
		{map[string]string{"POD_IP": "node-1"}, "POD_IP"},
		{map[string]string{"LOG_LEVEL": "verbose"}, "LOG_LEVEL"},
		{map[string]string{"LEADER_ELECTION": "maybe"}, "LEADER_ELECTION"},
		{map[string]string{"LEASE_DURATION": "10s"}, "LEASE_DURATION"},
		{map[string]string{"LEASE_RENEW_DEADLINE": "500ms"}, "LEASE_RENEW_DEADLINE"}, // not more than 1.2 × the 500ms retry period
		{map[string]string{"LEASE_RETRY_PERIOD": "0s"}, "LEASE_RETRY_PERIOD"},
		{map[string]string{"TLS_CERT_FILE": "/tls/crt"}, "TLS_KEY_FILE"},
		{map[string]string{"TLS_KEY_FILE": "/tls/key"}, "TLS_CERT_FILE"},
		{map[string]string{"MISSING_POD_WINDOW": "1s"}, "MISSING_POD_WINDOW"},
		{map[string]string{"ORPHAN_GRACE": "0s"}, "ORPHAN_GRACE"},
		{map[string]string{"EXITED_POD_RETENTION": "-1h"}, "EXITED_POD_RETENTION"},
		{map[string]string{"ALLOWED_NAMESPACES": "Team_A"}, "ALLOWED_NAMESPACES"},
		{map[string]string{"ALLOWED_NETWORK_VOLUME_IDS": "team-a/"}, "ALLOWED_NETWORK_VOLUME_IDS"},
		{map[string]string{"ALLOWED_TEMPLATE_IDS": "/tpl"}, "ALLOWED_TEMPLATE_IDS"},
		{map[string]string{"ALLOWED_REGISTRY_AUTH_IDS": "a/b/c"}, "ALLOWED_REGISTRY_AUTH_IDS"},
	} {
		t.Run(fmt.Sprint(tc.env), func(t *testing.T) {
			_, err := load(t, tc.env)
			if err == nil {
				t.Fatal("no error")
			}
			var got []string
			for _, se := range settingErrors(t, err) {
				got = append(got, se.Variable)
			}
			if !slices.Equal(got, []string{tc.want}) || !strings.HasPrefix(err.Error(), tc.want+": ") {
				t.Errorf("got %v in %q, want exactly %s", got, err, tc.want)
			}
		})
	}
}

func TestLoadReportsEveryError(t *testing.T) {
	_, err := load(t, map[string]string{
		"MAX_GPU_PRICE": "cheap", "RECONCILE_INTERVAL": "fast", "CLOUD_TYPE": "moon", "POD_IP": "x",
	}, "--log-level", "loud")
	var got []string
	for _, se := range settingErrors(t, err) {
		got = append(got, se.Flag+" "+se.Variable)
	}
	slices.Sort(got)
	want := []string{" CLOUD_TYPE", " MAX_GPU_PRICE", " POD_IP", " RECONCILE_INTERVAL", "--log-level LOG_LEVEL"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q (err %v)", got, want, err)
	}
}

func TestLoadAPIKeyFile(t *testing.T) {
	cfg, err := load(t, map[string]string{"RUNPOD_API_KEY_FILE": "/secrets/key"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.APIKey != testKey || cfg.APIKeyFile != "/secrets/key" {
		t.Errorf("key not read and trimmed from the file")
	}
	setEnv(t, map[string]string{"RUNPOD_API_KEY_FILE": "/empty"})
	_, err = Load(nil, files(map[string]string{"/empty": " \n"}))
	if se := settingErrors(t, err); len(se) != 1 || se[0].Variable != "RUNPOD_API_KEY_FILE" {
		t.Errorf("empty key file: %v", err)
	}
	cfg, err = load(t, map[string]string{"RUNPOD_API_KEY": "\t" + testKey + "\n"})
	if err != nil || cfg.APIKey != testKey {
		t.Errorf("RUNPOD_API_KEY is not trimmed (err %v)", err)
	}
}

func TestLoadNeverLeaksKey(t *testing.T) {
	_, errMany := load(t, map[string]string{"MAX_GPU_PRICE": "x", "NODE_NAME": "!", "TLS_KEY_FILE": "/k"})
	_, errBoth := load(t, map[string]string{"RUNPOD_API_KEY_FILE": "/secrets/key", "RUNPOD_API_KEY": testKey})
	_, errSpace := load(t, map[string]string{"RUNPOD_API_KEY": testKey + " " + testKey})
	_, errFile := load(t, map[string]string{"RUNPOD_API_KEY_FILE": "/secrets/key", "LOG_LEVEL": "x"})
	cfg, err := load(t, nil)
	if err != nil || errMany == nil || errBoth == nil || errSpace == nil || errFile == nil {
		t.Fatalf("unexpected results: %v / %v / %v / %v / %v", err, errMany, errBoth, errSpace, errFile)
	}
	var text, json bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("config", "config", cfg)
	slog.New(slog.NewJSONHandler(&json, nil)).Info("config", "config", cfg)
	for what, s := range map[string]string{
		"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "%#v": fmt.Sprintf("%#v", *cfg),
		"slog text": text.String(), "slog json": json.String(), "many errors": errMany.Error(),
		"both error": errBoth.Error(), "whitespace error": errSpace.Error(), "file error": errFile.Error(),
	} {
		if strings.Contains(s, "TESTKEY") {
			t.Errorf("%s shows the key: %s", what, s)
		}
	}
	if !strings.Contains(text.String(), "config.RUNPOD_API_KEY=[REDACTED]") ||
		!strings.Contains(text.String(), "config.NODE_NAME=virtual-runpod") {
		t.Errorf("LogValue: %s", text.String())
	}
}

func TestLoadPodNameUnique(t *testing.T) {
	a, errA := load(t, nil)
	b, errB := load(t, nil)
	if errA != nil || errB != nil || a.PodName == b.PodName {
		t.Errorf("two loads share PodName %q (%v, %v)", a.PodName, errA, errB)
	}
}

func TestNodeIP(t *testing.T) {
	for _, tc := range []struct{ pod, internal, want string }{
		{"", "", ""}, {"", "10.0.0.1", "10.0.0.1"}, {"10.1.2.3", "10.0.0.1", "10.1.2.3"},
	} {
		if got := (&Config{PodIP: tc.pod, InternalIP: tc.internal}).NodeIP(); got != tc.want {
			t.Errorf("NodeIP(POD_IP=%q, INTERNAL_IP=%q) = %q, want %q", tc.pod, tc.internal, got, tc.want)
		}
	}
}

func TestCapacity(t *testing.T) {
	cfg, err := load(t, map[string]string{"NODE_CAPACITY_GPU": "0", "NODE_CAPACITY_CPU": "1500m"})
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Capacity()
	want := corev1.ResourceList{
		policy.ResourceGPU: resource.MustParse("0"), corev1.ResourceCPU: resource.MustParse("1500m"),
		corev1.ResourceMemory: resource.MustParse("4Ti"), corev1.ResourcePods: resource.MustParse("1000"),
	}
	for name, q := range want {
		if g := got[name]; g.Cmp(q) != 0 {
			t.Errorf("%s = %s, want %s", name, g.String(), q.String())
		}
	}
}

func TestSlogLevel(t *testing.T) {
	for level, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
	} {
		if got := (&Config{LogLevel: level}).SlogLevel(); got != want {
			t.Errorf("%s → %v, want %v", level, got, want)
		}
	}
}

func TestSettingErrorNamesFlag(t *testing.T) {
	e := &SettingError{Variable: "NODE_NAME", Flag: "--nodename", Reason: "bad"}
	if e.Error() != "--nodename (NODE_NAME): bad" {
		t.Errorf("got %q", e.Error())
	}
	if !errors.As(errors.Join(errors.New("x"), e), new(*SettingError)) {
		t.Error("a joined SettingError is not found by errors.As")
	}
}

// TestREADMEConfigurationTable keeps the README's table equal to Config: one
// row per variable, the flag that overrides it, and its default.
func mustIDs(t *testing.T, s string) policy.IDAllowList {
	t.Helper()
	l, err := policy.ParseIDAllowList(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
