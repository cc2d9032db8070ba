package kubeletproc

import (
	"fmt"
	"os"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/tests/cluster"
)

// Suite is what a suite's TestMain needs to gate itself and build the binary.
type Suite struct {
	Name   string // printed: "e2e", "install", "bench"
	Gate   string // the environment variable that must be "1", e.g. RPK_E2E
	Script string // what sets Gate, for the skip message
	// Build builds the kubelet from the module root into the temporary dir.
	Build func(root, dir string) error
}

// Main is a suite's TestMain. Unless Gate is "1" it runs the tests without
// building anything (each test skips itself); else it builds the kubelet
// into a temporary directory, runs the tests and removes the directory. It
// returns the exit code for os.Exit.
func Main(m *testing.M, s Suite) int {
	if os.Getenv(s.Gate) != "1" {
		fmt.Printf("%s: skipped (set %s=1, as %s does)\n", s.Name, s.Gate, s.Script)
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "rpk-"+s.Name+"-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, s.Name+":", err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := cluster.FindRepoRoot()
	if err == nil {
		err = s.Build(root, dir)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: build runpod-kubelet: %v\n", s.Name, err)
		return 1
	}
	return m.Run()
}
