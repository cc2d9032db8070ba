// Package kubeletproc builds the runpod-kubelet binary and runs it as a
// separate process for the end-to-end, install and bench suites: the same
// binary users run, with only environment variables to configure it.
package kubeletproc

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Build compiles the repository's main package (repoRoot) into dir; with
// race set, under the race detector. It returns the binary's path.
//
// RPK_KUBELET_BIN names a binary to run instead (nothing is built): to show
// that a new scenario fails on an older kubelet, say.
func Build(repoRoot, dir string, race bool) (string, error) {
	if bin := os.Getenv("RPK_KUBELET_BIN"); bin != "" {
		return bin, nil
	}
	bin := filepath.Join(dir, "runpod-kubelet")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = repoRoot
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build runpod-kubelet: %w", err)
	}
	return bin, nil
}

// Process is one running kubelet. Its output goes to a log file.
type Process struct {
	Name string
	Log  string // path of the combined stdout/stderr
	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs bin with the current environment plus env (KEY=VALUE, later
// entries win) and registers a cleanup that stops it with SIGTERM and, if
// the test failed, prints the tail of its log.
func Start(t testing.TB, bin, name string, env []string) *Process {
	t.Helper()
	return start(t, bin, name, append(os.Environ(), env...))
}

// StartClean is Start with exactly env and nothing inherited, to prove a
// rendered manifest's settings are all the kubelet needs.
func StartClean(t testing.TB, bin, name string, env []string) *Process {
	t.Helper()
	return start(t, bin, name, env)
}

func start(t testing.TB, bin, name string, env []string) *Process {
	t.Helper()
	p := &Process{Name: name, Log: filepath.Join(t.TempDir(), name+".log"), done: make(chan struct{})}
	logf, err := os.Create(p.Log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop(syscall.SIGTERM, 15*time.Second)
		if t.Failed() {
			t.Logf("--- kubelet %s log (tail) ---\n%s", name, p.Tail(60))
		}
	})
	return p
}

// Stop sends sig and waits for the process to exit, killing it after timeout.
func (p *Process) Stop(sig syscall.Signal, timeout time.Duration) {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// ExitCode is the exit code once Exited, else -1.
func (p *Process) ExitCode() int {
	if !p.Exited() {
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

// Text is the whole log so far.
func (p *Process) Text() string {
	b, _ := os.ReadFile(p.Log)
	return string(b)
}

// Tail is the last n lines of the log.
func (p *Process) Tail(n int) string {
	lines := strings.Split(p.Text(), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// FreeAddr is a free 127.0.0.1:port at the time of the call, below the
// kernel's ephemeral range: a child process binds it later, and a port the
// kernel picked for ":0" could meanwhile go to any listener or client socket
// of the tests (two bench tracks once got the same HEALTH_ADDR).
func FreeAddr(t testing.TB) string {
	t.Helper()
	for range 100 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePortLow+rand.IntN(freePortSpan)))
		if l, err := net.Listen("tcp", addr); err == nil {
			_ = l.Close()
			return addr
		}
	}
	t.Fatalf("no free port in %d–%d", freePortLow, freePortLow+freePortSpan-1)
	return ""
}

// The ports FreeAddr picks from: under Linux's default ephemeral range
// (32768–60999), above the well-known services' ports.
const (
	freePortLow  = 20000
	freePortSpan = 12000
)
