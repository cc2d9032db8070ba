package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/tests/kubeletproc"
)

// kubeletBin is built once by TestMain, as the Dockerfile builds it (no -race).
var kubeletBin string

// pprofHook is added to package main through `go build -overlay`, so the
// binary serves net/http/pprof on RPK_BENCH_PPROF_ADDR without a change to
// the source tree. Unset, it does nothing.
const pprofHook = `package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("RPK_BENCH_PPROF_ADDR"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
`

func TestMain(m *testing.M) {
	os.Exit(kubeletproc.Main(m, kubeletproc.Suite{Name: "bench", Gate: "RPK_BENCH", Script: "scripts/bench.sh", Build: buildKubelet}))
}

func buildKubelet(root, dir string) error {
	hook := filepath.Join(dir, "pprof_hook.go")
	if err := os.WriteFile(hook, []byte(pprofHook), 0o600); err != nil {
		return err
	}
	replace := map[string]string{filepath.Join(root, "zz_bench_pprof.go"): hook}
	if err := addOverlay(replace, os.Getenv("RPK_BENCH_OVERLAY")); err != nil {
		return err
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": replace})
	if err != nil {
		return err
	}
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o600); err != nil {
		return err
	}
	kubeletBin = filepath.Join(dir, "runpod-kubelet")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-overlay", overlayFile, "-o", kubeletBin, ".")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	return build.Run()
}

// addOverlay merges the Replace entries of a `go build -overlay` file, so a
// candidate fix can be measured before the source tree changes:
// RPK_BENCH_OVERLAY=/tmp/fix.json scripts/bench.sh.
func addOverlay(replace map[string]string, path string) error {
	if path == "" {
		return nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("RPK_BENCH_OVERLAY: %w", err)
	}
	var o struct{ Replace map[string]string }
	if err := json.Unmarshal(raw, &o); err != nil {
		return fmt.Errorf("RPK_BENCH_OVERLAY %s: %w", path, err)
	}
	for k, v := range o.Replace {
		replace[k] = v
	}
	fmt.Fprintf(os.Stderr, "bench: building runpod-kubelet with overlay %s (%d files)\n", path, len(o.Replace))
	return nil
}
