package cluster

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Environment variables the harness reads.
const (
	// EnvSkip set to "1" makes Start skip the test (no binaries, no cluster).
	EnvSkip = "RPK_SKIP_CONTROLPLANE"
	// EnvBinDir names the built binaries; unset, Start runs scripts/controlplane-build.sh.
	EnvBinDir = "RPK_BIN_DIR"
	// EnvStateDir names a control plane to reuse (started if down, left running);
	// its ports come from RPK_APISERVER_PORT/RPK_ETCD_PORT or the script's defaults.
	EnvStateDir = "RPK_STATE_DIR"
)

// components are the processes scripts/controlplane.sh runs, in start order.
var components = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}

const (
	scriptTimeout = 2 * time.Minute // start waits 60 s for readiness itself
	tokenLifetime = time.Hour       // the TokenRequest minimum is 10 minutes
	logTailLines  = 30
)

// Cluster is a running control plane and the credentials to use it.
type Cluster struct {
	Dir            string // state dir
	Kubeconfig     string // admin kubeconfig path
	NodeKubeconfig string // system:node:<NodeName> kubeconfig (node-<NodeName>.kubeconfig)
	Config         *rest.Config
	Client         kubernetes.Interface
	NodeName       string
	BinDir         string

	root string   // repository root
	env  []string // RPK_* settings passed to scripts/controlplane.sh
}

// Start starts (or reuses) a control plane for tests. Without RPK_STATE_DIR it
// picks free ports and a temporary state dir, so tests run beside a demo on
// the default ports, and stops and purges it when the test ends; with it, it
// reuses the plane there (starting it if down) and leaves it running. It needs the
// built binaries: when RPK_BIN_DIR is unset it runs scripts/controlplane-build.sh
// (cached; the first build takes minutes). It skips the test when
// RPK_SKIP_CONTROLPLANE=1.
func Start(t testing.TB, nodeName string) *Cluster {
	t.Helper()
	if os.Getenv(EnvSkip) == "1" {
		t.Skipf("%s=1: no control plane", EnvSkip)
	}
	root := RepoRoot(t)
	c := &Cluster{NodeName: nodeName, BinDir: binDir(t, root), root: root}
	c.env = []string{EnvBinDir + "=" + c.BinDir, "RPK_NODE_NAME=" + nodeName}

	if dir := os.Getenv(EnvStateDir); dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			t.Fatalf("state dir %q: %v", dir, err)
		}
		c.Dir = abs
	} else {
		c.Dir = t.TempDir()
		apiPort, etcdPort := freePorts(t)
		c.env = append(c.env, EnvStateDir+"="+c.Dir,
			"RPK_APISERVER_PORT="+strconv.Itoa(apiPort), "RPK_ETCD_PORT="+strconv.Itoa(etcdPort))
		// Registered before start so a half-started plane is stopped too.
		t.Cleanup(func() {
			if t.Failed() {
				c.logTails(t)
			}
			if out, err := c.script("stop", "--purge"); err != nil {
				t.Errorf("stop control plane: %v\n%s", err, out)
			}
		})
	}

	began := time.Now()
	out, err := c.script("start")
	if err != nil {
		t.Fatalf("start control plane: %v\n%s", err, out)
	}
	t.Logf("control plane in %s ready in %s:\n%s", c.Dir, time.Since(began).Round(time.Millisecond), out)

	c.Kubeconfig = filepath.Join(c.Dir, "admin.kubeconfig")
	c.NodeKubeconfig = filepath.Join(c.Dir, "node-"+nodeName+".kubeconfig")
	c.Config, c.Client = Clients(t, c.Kubeconfig)
	return c
}

// Clients loads a kubeconfig file into a rest.Config and a clientset.
func Clients(t testing.TB, kubeconfig string) (*rest.Config, kubernetes.Interface) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("load %s: %v", kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 50, 100 // tests poll; client-go's 5 QPS default throttles them
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("client for %s: %v", kubeconfig, err)
	}
	return cfg, client
}

// Kubectl runs the built kubectl with the admin kubeconfig, fails the test on
// error and returns stdout.
func (c *Cluster) Kubectl(t testing.TB, args ...string) string {
	t.Helper()
	out, stderr, err := c.TryKubectl(t, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

// TryKubectl runs kubectl as admin and returns its stdout, its stderr and
// how it ended, for commands that are meant to fail.
func (c *Cluster) TryKubectl(t testing.TB, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), filepath.Join(c.BinDir, "kubectl"),
		append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	out, err := cmd.Output()
	return string(out), errBuf.String(), err
}

// ServiceAccountKubeconfig creates the ServiceAccount namespace/name if it is
// missing, requests a 1 h token for it through the TokenRequest API and writes
// a kubeconfig using that token into a test temp dir; it returns the path.
// scripts/controlplane.sh sa-kubeconfig does the work, as it does for the demo.
func (c *Cluster) ServiceAccountKubeconfig(t testing.TB, namespace, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), namespace+"-"+name+".kubeconfig")
	if out, err := c.script("sa-kubeconfig", namespace, name, path, tokenLifetime.String()); err != nil {
		t.Fatalf("kubeconfig for ServiceAccount %s/%s: %v\n%s", namespace, name, err, out)
	}
	return path
}

// script runs scripts/controlplane.sh with the cluster's settings.
func (c *Cluster) script(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(c.root, "scripts", "controlplane.sh")}, args...)...)
	cmd.Dir = c.root
	cmd.Env = append(os.Environ(), c.env...) // later entries win
	cmd.WaitDelay = 10 * time.Second         // in case a component ever inherits the pipe
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// logTails logs the end of every component's log, for a failed test.
func (c *Cluster) logTails(t testing.TB) {
	t.Helper()
	for _, name := range components {
		data, err := os.ReadFile(filepath.Join(c.Dir, "logs", name+".log"))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		lines = lines[max(0, len(lines)-logTailLines):]
		t.Logf("last lines of %s.log:\n%s", name, strings.Join(lines, "\n"))
	}
}

// binDir returns RPK_BIN_DIR, or the cache dir scripts/controlplane-build.sh prints.
func binDir(t testing.TB, root string) string {
	t.Helper()
	if dir := os.Getenv(EnvBinDir); dir != "" {
		return dir
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "controlplane-build.sh"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("build control plane binaries: %v\n%s", err, stderr.String())
	}
	lines := strings.Fields(string(out))
	if len(lines) == 0 {
		t.Fatalf("scripts/controlplane-build.sh printed no bin dir\n%s", stderr.String())
	}
	return lines[len(lines)-1]
}

// freePorts picks an apiserver port and an etcd client port whose successor
// (the etcd peer port) is also free. The listeners are held until all three
// are chosen so the picks cannot collide with each other.
func freePorts(t testing.TB) (apiPort, etcdPort int) {
	t.Helper()
	var held []net.Listener
	defer func() {
		for _, l := range held {
			_ = l.Close()
		}
	}()
	listen := func(port int) (int, error) {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return 0, err
		}
		held = append(held, l)
		return l.Addr().(*net.TCPAddr).Port, nil
	}
	apiPort, err := listen(0)
	if err != nil {
		t.Fatalf("pick a free port: %v", err)
	}
	for range 50 {
		if etcdPort, err = listen(0); err != nil {
			break
		}
		if _, err = listen(etcdPort + 1); err == nil {
			return apiPort, etcdPort
		}
	}
	t.Fatalf("pick two adjacent free ports for etcd: %v", err)
	return 0, 0
}
