package app

import (
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFlagsOverrideEnv(t *testing.T) {
	env := map[string]string{
		"NODE_NAME": "from-env", "MAX_GPU_PRICE": "0.9", "DATACENTER_IDS": "US-TX-3",
		"RECONCILE_INTERVAL": "20s", "LOG_LEVEL": "warn", "NAMESPACE": "env-ns",
	}
	cfg, err := load(t, env, "--nodename=from-flag", "--max-gpu-price", "2", "--datacenter-ids", "eu-ro-1, EU-SE-1",
		"-reconcile-interval=1m", "--log-level=error", "--namespace", "flag-ns")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NodeName != "from-flag" || cfg.MaxGPUPrice != 2 || !slices.Equal(cfg.DataCenterIDs, []string{"EU-RO-1", "EU-SE-1"}) ||
		cfg.ReconcileInterval != time.Minute || cfg.LogLevel != "error" || cfg.Namespace != "flag-ns" {
		t.Errorf("flags did not win: %+v", *cfg)
	}

	cfg, err = load(t, env, "--nodename=from-flag")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NodeName != "from-flag" || cfg.MaxGPUPrice != 0.9 || !slices.Equal(cfg.DataCenterIDs, []string{"US-TX-3"}) ||
		cfg.ReconcileInterval != 20*time.Second || cfg.LogLevel != "warn" || cfg.Namespace != "env-ns" {
		t.Errorf("a flag not given changed its variable: %+v", *cfg)
	}
}

func TestFlagBlankDataCentersClearsEnv(t *testing.T) {
	cfg, err := load(t, map[string]string{"DATACENTER_IDS": "US-TX-3"}, "--datacenter-ids=")
	if err != nil || cfg.DataCenterIDs != nil {
		t.Errorf("got %q, %v; want no data centers", cfg.DataCenterIDs, err)
	}
}

func TestFlagErrorNamesFlagAndVariable(t *testing.T) {
	_, err := load(t, nil, "--max-gpu-price=-1")
	se := settingErrors(t, err)
	if len(se) != 1 || se[0].Flag != "--max-gpu-price" || se[0].Variable != "MAX_GPU_PRICE" ||
		!strings.HasPrefix(err.Error(), "--max-gpu-price (MAX_GPU_PRICE): ") {
		t.Errorf("got %v", err)
	}
}

func TestFlagsRejected(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-gpu-price-cap=1"}, "flag provided but not defined: -max-gpu-price-cap"},
		{[]string{"--max-gpu-price=cheap"}, "-max-gpu-price"},
		{[]string{"--reconcile-interval=10"}, "-reconcile-interval"},
		{[]string{"--nodename", "a", "extra"}, `unexpected argument "extra"`},
	} {
		_, err := load(t, nil, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}

func TestFlagHelpListsFlags(t *testing.T) {
	_, err := load(t, nil, "-h")
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("got %v, want flag.ErrHelp", err)
	}
	for name, variable := range flagVariables {
		if !strings.Contains(err.Error(), "-"+name) || !strings.Contains(err.Error(), variable) {
			t.Errorf("help misses -%s (%s):\n%s", name, variable, err)
		}
	}
}

// TestFlagVariablesMatchFlagSet keeps the flag → variable table and the
// registered flags in step, and each variable a real one.
func TestFlagVariablesMatchFlagSet(t *testing.T) {
	var registered []string
	newFlagSet(&Config{}).VisitAll(func(f *flag.Flag) { registered = append(registered, f.Name) })
	var mapped []string
	for name, variable := range flagVariables {
		mapped = append(mapped, name)
		if !slices.Contains(envNames(), variable) {
			t.Errorf("flag --%s maps to %s, which Config does not read", name, variable)
		}
	}
	slices.Sort(mapped)
	if !slices.Equal(registered, mapped) { // VisitAll is sorted
		t.Errorf("registered flags %q, table %q", registered, mapped)
	}
}
