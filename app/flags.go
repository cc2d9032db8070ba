package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// flagVariables maps each flag kept from the seed project to the variable it
// overrides, so existing manifests keep working.
var flagVariables = map[string]string{
	"nodename":           "NODE_NAME",
	"max-gpu-price":      "MAX_GPU_PRICE",
	"datacenter-ids":     "DATACENTER_IDS",
	"reconcile-interval": "RECONCILE_INTERVAL",
	"log-level":          "LOG_LEVEL",
	"namespace":          "NAMESPACE",
}

// applyFlags parses args over cfg, which already holds the environment's
// values: only a flag given explicitly changes a field. It returns
// variable → "--flag" for the flags given, so errors can name them.
func applyFlags(cfg *Config, args []string) (map[string]string, error) {
	fs := newFlagSet(cfg)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			var usage strings.Builder
			fs.SetOutput(&usage)
			fs.PrintDefaults()
			return nil, fmt.Errorf("%w; each flag overrides its variable:\n%s", err, usage.String())
		}
		return nil, fmt.Errorf("flags: %w", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("flags: unexpected argument %q", fs.Arg(0))
	}
	setBy := map[string]string{}
	fs.Visit(func(f *flag.Flag) { setBy[flagVariables[f.Name]] = "--" + f.Name })
	return setBy, nil
}

// newFlagSet binds the seed project's flags to cfg's fields; their defaults
// are cfg's current values. A new set per call keeps Load free of globals.
func newFlagSet(cfg *Config) *flag.FlagSet {
	fs := flag.NewFlagSet("runpod-kubelet", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // Load returns the error; the caller prints it
	fs.StringVar(&cfg.NodeName, "nodename", cfg.NodeName, "virtual node name (NODE_NAME)")
	fs.Float64Var(&cfg.MaxGPUPrice, "max-gpu-price", cfg.MaxGPUPrice, "per-GPU $/h cap (MAX_GPU_PRICE)")
	fs.Func("datacenter-ids", "comma list of allowed data centers (DATACENTER_IDS)", func(v string) error {
		cfg.DataCenterIDs = nil // blank clears the list, like DATACENTER_IDS=""
		if strings.TrimSpace(v) != "" {
			cfg.DataCenterIDs = strings.Split(v, ",")
		}
		return nil
	})
	fs.DurationVar(&cfg.ReconcileInterval, "reconcile-interval", cfg.ReconcileInterval, "reconcile period (RECONCILE_INTERVAL)")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error (LOG_LEVEL)")
	fs.StringVar(&cfg.Namespace, "namespace", cfg.Namespace, "namespace of the leader Lease (NAMESPACE)")
	return fs
}
