package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/tests/kubeletproc"
)

const leaseName = "runpod-kubelet-" + nodeName

// kubelet is one runpod-kubelet process with its health and pprof addresses.
type kubelet struct {
	*kubeletproc.Process
	health string // HEALTH_ADDR: /metrics
	pprof  string // RPK_BENCH_PPROF_ADDR
}

// startKubelet runs a replica named name with the product's defaults
// (RECONCILE_INTERVAL 2s, the LEASE_* defaults of app/config.go, client
// QPS as app/clients.go sets it) against the simulator, through the
// ServiceAccount of kustomize/rbac; extra (KEY=VALUE) overrides them, for
// experiments.
func (e *env) startKubelet(name string, extra ...string) *kubelet {
	e.t.Helper()
	return e.runKubelet(name, simKey, e.sim.URL, nodeName, extra...)
}

// runKubelet starts replica name of node against the RunPod API at url with key.
func (e *env) runKubelet(name, key, url, node string, extra ...string) *kubelet {
	e.t.Helper()
	k := &kubelet{health: kubeletproc.FreeAddr(e.t), pprof: kubeletproc.FreeAddr(e.t)}
	k.Process = kubeletproc.Start(e.t, kubeletBin, name, append([]string{
		"KUBECONFIG=" + e.saConf,
		"RUNPOD_API_KEY=" + key,
		"RUNPOD_API_URL=" + url,
		"NODE_NAME=" + node,
		"POD_NAME=" + name,
		"INTERNAL_IP=127.0.0.1",
		"LISTEN_ADDR=" + kubeletproc.FreeAddr(e.t),
		"HEALTH_ADDR=" + k.health,
		"LOG_LEVEL=info",
		"RPK_BENCH_PPROF_ADDR=" + k.pprof,
	}, extra...))
	return k
}

func (k *kubelet) logHas(s string) bool { return strings.Contains(k.Text(), s) }

// metric reads one unlabelled sample (or the sum of a labelled family's
// samples matching every label filter) from the kubelet's /metrics.
func (k *kubelet) metric(name string, labels ...string) (float64, error) {
	resp, err := http.Get("http://" + k.health + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return sumSamples(resp.Body, name, labels...)
}

// sumSamples adds the Prometheus text samples of name whose label set
// contains every `key="value"` in labels.
func sumSamples(r io.Reader, name string, labels ...string) (float64, error) {
	var total float64
	found := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		matched := true
		for _, l := range labels {
			matched = matched && strings.Contains(rest, l)
		}
		if !matched {
			continue
		}
		fields := strings.Fields(rest[strings.LastIndexByte(rest, '}')+1:])
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, fmt.Errorf("sample %q: %w", line, err)
		}
		total += v
		found = true
	}
	if !found {
		return 0, fmt.Errorf("no sample of %s %v", name, labels)
	}
	return total, sc.Err()
}

// rounds is how many reconcile rounds the kubelet has finished.
func (k *kubelet) rounds() int {
	v, err := k.metric("runpod_kubelet_reconcile_duration_seconds_count")
	if err != nil {
		return -1
	}
	return int(v)
}

// procStats are the kernel's figures for a process.
type procStats struct {
	peakRSS int64         // VmHWM, bytes
	rss     int64         // VmRSS, bytes
	rssAnon int64         // RssAnon: heap, stacks, runtime
	rssFile int64         // RssFile: pages of the binary read in
	cpu     time.Duration // utime + stime
}

func (k *kubelet) proc() (procStats, error) {
	pid := k.Pid()
	var s procStats
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmHWM:":
			s.peakRSS = kb * 1024
		case "VmRSS:":
			s.rss = kb * 1024
		case "RssAnon:":
			s.rssAnon = kb * 1024
		case "RssFile:":
			s.rssFile = kb * 1024
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// Fields after the parenthesised command; utime and stime are fields 14 and 15.
	rest := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(rest) < 13 {
		return s, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, _ := strconv.ParseInt(rest[11], 10, 64)
	st, _ := strconv.ParseInt(rest[12], 10, 64)
	s.cpu = time.Duration(ut+st) * time.Second / time.Duration(clockTicks())
	return s, nil
}

// clockTicks is sysconf(_SC_CLK_TCK), 100 on Linux unless getconf says otherwise.
func clockTicks() int64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return 100
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil || n <= 0 {
		return 100
	}
	return n
}

// profile saves a pprof endpoint's answer (e.g. "profile?seconds=30", "heap")
// to dir/name; errors are only logged.
func (k *kubelet) profile(e *env, dir, path, name string) {
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		e.t.Logf("profiles dir: %v", err)
		return
	}
	resp, err := http.Get("http://" + k.pprof + "/debug/pprof/" + path)
	if err != nil {
		e.t.Logf("pprof %s: %v", path, err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		e.t.Logf("pprof %s: %v", path, err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		e.t.Logf("pprof %s: %v", path, err)
	}
}

// leaseHolder reads the leader Lease's holderIdentity ("" when absent or released).
func (e *env) leaseHolder() string {
	l, err := e.kube.CoordinationV1().Leases("kube-node-lease").Get(context.Background(), leaseName, metav1.GetOptions{})
	if err != nil || l.Spec.HolderIdentity == nil {
		return ""
	}
	_, pod, _ := strings.Cut(*l.Spec.HolderIdentity, "/") // <NAMESPACE>/<POD_NAME>
	return pod
}

// waitHolder polls the Lease every 20 ms until its holder is want and
// returns when that was first seen.
func (e *env) waitHolder(want string, timeout time.Duration) time.Time {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if h := e.leaseHolder(); h == want {
			return time.Now()
		} else if time.Now().After(deadline) {
			e.t.Fatalf("timed out after %s waiting for Lease holder %s; holder %q", timeout, want, h)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
