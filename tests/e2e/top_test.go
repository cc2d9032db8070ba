package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/tests/kubeletproc"
)

// metricsServerRBAC is what metrics-server needs (as its upstream manifest
// grants): read node metrics and objects, delegate authn/authz, read the
// request-header CA.
const metricsServerRBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:metrics-server
rules:
  - apiGroups: [""]
    resources: [nodes/metrics]
    verbs: [get]
  - apiGroups: [""]
    resources: [pods, nodes]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:metrics-server
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:metrics-server}
subjects: [{kind: ServiceAccount, name: metrics-server, namespace: kube-system}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: metrics-server:system:auth-delegator
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator}
subjects: [{kind: ServiceAccount, name: metrics-server, namespace: kube-system}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: metrics-server-auth-reader
  namespace: kube-system
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader}
subjects: [{kind: ServiceAccount, name: metrics-server, namespace: kube-system}]
`

// metricsAPI registers metrics-server, listening on ip:port of this host,
// with the aggregation layer (endpoints may not be loopback).
func metricsAPI(ip string, port int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: metrics-server
  namespace: kube-system
spec:
  ports: [{name: https, port: 443, targetPort: %[2]d}]
---
apiVersion: v1
kind: Endpoints
metadata:
  name: metrics-server
  namespace: kube-system
subsets:
  - addresses: [{ip: %[1]s}]
    ports: [{name: https, port: %[2]d}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io
spec:
  group: metrics.k8s.io
  version: v1beta1
  service: {name: metrics-server, namespace: kube-system, port: 443}
  insecureSkipTLSVerify: true
  groupPriorityMinimum: 100
  versionPriority: 100
`, ip, port)
}

// hostIP is this machine's first non-loopback IPv4 address.
func hostIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Fatal("no non-loopback IPv4 address: the aggregation layer cannot reach metrics-server")
	return ""
}

// Scenario 19: usage the way people read it. A real metrics-server (built
// from source, behind the aggregation layer) scrapes the virtual kubelet's
// /metrics/resource: `kubectl top pod` shows non-zero CPU and memory for a
// RunPod pod and `kubectl top node` the node; the kubelet's /metrics shows
// the GPU utilisation of a GPU pod. None of it costs a RunPod call beyond
// the listing.
func TestKubectlTopThroughMetricsServer(t *testing.T) {
	bin := filepath.Join(os.Getenv("RPK_TOOLS_DIR"), "metrics-server")
	if _, err := os.Stat(bin); err != nil && os.Getenv("RPK_E2E") == "1" {
		t.Fatalf("metrics-server is not built (scripts/tools.sh builds it): %v", err)
	}
	t.Parallel() // no latency assertion: safe beside another scenario
	e := newEnv(t, nil)
	health := kubeletproc.FreeAddr(t)
	e.startKubelet("replica-a", "HEALTH_ADDR="+health)
	e.waitNodeReady()

	e.apply(metricsServerRBAC)
	saConf := e.c.ServiceAccountKubeconfig(t, "kube-system", "metrics-server")
	ip := hostIP(t)
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logf, err := os.Create(filepath.Join(t.TempDir(), "metrics-server.log"))
	if err != nil {
		t.Fatal(err)
	}
	ms := exec.Command(bin, "--kubeconfig="+saConf, "--authentication-kubeconfig="+saConf, "--authorization-kubeconfig="+saConf,
		"--bind-address="+ip, fmt.Sprintf("--secure-port=%d", port), "--cert-dir="+t.TempDir(),
		"--kubelet-insecure-tls", "--kubelet-preferred-address-types=InternalIP", "--kubelet-use-node-status-port",
		"--metric-resolution=10s", "--kubelet-request-timeout=5s")
	ms.Stdout, ms.Stderr = logf, logf
	if err := ms.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = ms.Process.Kill()
		_ = ms.Wait()
		logf.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logf.Name())
			t.Logf("--- metrics-server log ---\n%s", head(string(out), 30))
		}
	})
	e.apply(metricsAPI(ip, port))

	e.apply(gpuPod("busy", 1, nil, `      command: ["sh", "-c", "echo training; sleep 3600"]
`))
	p := e.waitPod("busy", 60*time.Second, "Running and annotated", func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationPodID] != ""
	})
	e.eventually(120*time.Second, "kubectl top pod busy with CPU and memory", func() (bool, string) {
		out, stderr, err := e.c.TryKubectl(t, "top", "pod", "busy", "--no-headers")
		f := strings.Fields(out)
		return err == nil && len(f) == 3 && f[1] != "0m" && f[2] != "0Mi", out + stderr
	})
	e.eventually(60*time.Second, "kubectl top node", func() (bool, string) {
		out, stderr, err := e.c.TryKubectl(t, "top", "node", nodeName, "--no-headers")
		return err == nil && strings.HasPrefix(out, nodeName+" "), out + stderr
	})
	t.Logf("kubectl top pod: %s", strings.TrimSpace(e.c.Kubectl(t, "top", "pod", "busy", "--no-headers")))

	e.eventually(20*time.Second, "GPU utilisation of the pod on /metrics", func() (bool, string) {
		resp, err := http.Get("http://" + health + "/metrics")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
		if err != nil {
			return false, err.Error()
		}
		for _, m := range fams["runpod_kubelet_pod_gpu_utilization_ratio"].GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			if labels["pod"] == p.Name && labels["namespace"] == ns && strings.HasPrefix(labels["gpu_type"], "NVIDIA") && m.GetGauge().GetValue() > 0 {
				return true, ""
			}
		}
		return false, "no GPU utilisation for the pod"
	})
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func head(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}
