package install

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/tests/cluster"
	"github.com/runpod-kubelet/runpod-kubelet/tests/kubeletproc"
)

// Environment variables the suite reads.
const (
	envE2E      = "RPK_E2E"       // "1" runs the suite
	envToolsDir = "RPK_TOOLS_DIR" // holds helm; unset: scripts/tools.sh prints it
	envBinDir   = "RPK_BIN_DIR"   // holds kubectl; unset: scripts/controlplane-build.sh prints it
)

// kubeletBin is the runpod-kubelet binary TestMain builds.
var kubeletBin string

func TestMain(m *testing.M) {
	os.Exit(kubeletproc.Main(m, kubeletproc.Suite{Name: "install", Gate: envE2E, Script: "scripts/test.sh",
		Build: func(root, dir string) (err error) {
			kubeletBin, err = kubeletproc.Build(root, dir, true)
			return err
		}}))
}

// needE2E skips the test unless RPK_E2E=1.
func needE2E(t *testing.T) {
	t.Helper()
	if os.Getenv(envE2E) != "1" {
		t.Skip("needs helm and the control plane: set RPK_E2E=1")
	}
}

// toolDirs caches the directories scripts print, so each script runs once.
var toolDirs sync.Map // script → dir

// scriptDir returns env's value, else the last line scripts/<script> prints.
func scriptDir(t *testing.T, env, script string) string {
	t.Helper()
	if dir := os.Getenv(env); dir != "" {
		return dir
	}
	if dir, ok := toolDirs.Load(script); ok {
		return dir.(string)
	}
	cmd := exec.Command("bash", filepath.Join("scripts", script))
	cmd.Dir = cluster.RepoRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	lines := strings.Fields(string(out))
	if err != nil || len(lines) == 0 {
		t.Fatalf("scripts/%s (or set %s): %v\n%s", script, env, err, stderr.String())
	}
	toolDirs.Store(script, lines[len(lines)-1])
	return lines[len(lines)-1]
}

func helmPath(t *testing.T) string {
	return filepath.Join(scriptDir(t, envToolsDir, "tools.sh"), "helm")
}

func kubectlPath(t *testing.T) string {
	return filepath.Join(scriptDir(t, envBinDir, "controlplane-build.sh"), "kubectl")
}

// run runs a tool from the repository root and returns stdout, stderr and
// the error; stdin, when not empty, is fed to it.
func run(t *testing.T, stdin, tool string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), tool, args...)
	cmd.Dir = cluster.RepoRoot(t)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// must runs a tool and fails the test when it fails; it returns stdout.
func must(t *testing.T, stdin, tool string, args ...string) string {
	t.Helper()
	out, stderr, err := run(t, stdin, tool, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(tool), strings.Join(args, " "), err, stderr)
	}
	return out
}

// helmTemplate renders chart/ as release in namespace with --set pairs.
func helmTemplate(t *testing.T, release, namespace string, sets ...string) (string, string, error) {
	t.Helper()
	args := []string{"template", release, "chart", "--namespace", namespace}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	return run(t, "", helmPath(t), args...)
}

// render is helmTemplate that must succeed, parsed.
func render(t *testing.T, release, namespace string, sets ...string) manifests {
	t.Helper()
	out, stderr, err := helmTemplate(t, release, namespace, sets...)
	if err != nil {
		t.Fatalf("helm template %s: %v\n%s", strings.Join(sets, " "), err, stderr)
	}
	return parseManifests(t, out)
}

// kustomize renders a kustomize directory (relative to the repository root).
func kustomize(t *testing.T, dir string) (string, manifests) {
	t.Helper()
	out := must(t, "", kubectlPath(t), "kustomize", dir)
	return out, parseManifests(t, out)
}
