package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
	"github.com/runpod-kubelet/runpod-kubelet/tests/cluster"
	"github.com/runpod-kubelet/runpod-kubelet/tests/kubeletproc"
)

const (
	nodeName = "virtual-runpod" // the name kustomize/rbac grants
	simKey   = "e2e-sim-key"
	ns       = "default"
)

// kubeletBin is built once by TestMain.
var kubeletBin string

func TestMain(m *testing.M) {
	os.Exit(kubeletproc.Main(m, kubeletproc.Suite{Name: "e2e", Gate: "RPK_E2E", Script: "scripts/test.sh",
		Build: func(root, dir string) (err error) {
			kubeletBin, err = kubeletproc.Build(root, dir, true)
			return err
		}}))
}

// env is one scenario's world: its own control plane, simulator and kubelets.
type env struct {
	t      *testing.T
	c      *cluster.Cluster
	kube   kubernetes.Interface
	sim    *simulator.Server
	rp     *runpodapi.Client // to inspect RunPod as a user would
	saConf string            // kubeconfig of ServiceAccount kube-system/runpod-kubelet
}

func newEnv(t *testing.T, simMod func(*simulator.Options)) *env {
	t.Helper()
	if os.Getenv("RPK_E2E") != "1" {
		t.Skip("end-to-end: set RPK_E2E=1")
	}
	c := cluster.Start(t, nodeName)
	c.Kubectl(t, "apply", "-k", filepath.Join(cluster.RepoRoot(t), "kustomize", "rbac"))
	opts := simulator.DefaultOptions(simKey)
	opts.ProvisioningDelay, opts.StartingDelay, opts.LogInterval = 500*time.Millisecond, 500*time.Millisecond, 200*time.Millisecond
	opts.Quota = simulator.Quota{Minute: 6000, Hour: 100000, Day: 1000000}
	opts.PageSize = 4 // every scenario walks a paginated listing, as on the live API
	if simMod != nil {
		simMod(&opts)
	}
	sim := simulator.NewServer(opts)
	t.Cleanup(sim.Close)
	rp, err := runpodapi.New(runpodapi.Config{BaseURL: sim.URL, APIKey: simKey, DefaultPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, c: c, kube: c.Client, sim: sim, rp: rp,
		saConf: c.ServiceAccountKubeconfig(t, "kube-system", "runpod-kubelet")}
}

// kubelet is one runpod-kubelet process.
type kubelet = kubeletproc.Process

// startKubelet runs a replica named name (its POD_NAME) with extra env
// settings (KEY=VALUE) over the defaults below.
func (e *env) startKubelet(name string, extra ...string) *kubelet {
	e.t.Helper()
	env := []string{
		"KUBECONFIG=" + e.saConf,
		"RUNPOD_API_KEY=" + simKey,
		"RUNPOD_API_URL=" + e.sim.URL,
		"NODE_NAME=" + nodeName,
		"POD_NAME=" + name,
		"INTERNAL_IP=127.0.0.1",
		"LISTEN_ADDR=" + kubeletproc.FreeAddr(e.t),
		"HEALTH_ADDR=" + kubeletproc.FreeAddr(e.t),
		"MAX_GPU_PRICE=3",
		"RECONCILE_INTERVAL=2s",
		"LEASE_DURATION=6s",
		"LEASE_RENEW_DEADLINE=4s",
		"LEASE_RETRY_PERIOD=1s",
		"LOG_LEVEL=info",
	}
	return kubeletproc.Start(e.t, kubeletBin, name, append(env, extra...))
}

// eventually polls cond every 200 ms until it holds or timeout passes.
func (e *env) eventually(timeout time.Duration, what string, cond func() (bool, string)) {
	e.t.Helper()
	cluster.Eventually(e.t, timeout, 200*time.Millisecond, what, cond)
}

func (e *env) waitNodeReady() *corev1.Node {
	e.t.Helper()
	return cluster.WaitNodeReady(e.t, e.kube, nodeName, 60*time.Second)
}

// pod reads a pod; nil when it does not exist.
func (e *env) pod(name string) *corev1.Pod {
	p, err := e.kube.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) waitPod(name string, timeout time.Duration, what string, cond func(*corev1.Pod) bool) *corev1.Pod {
	e.t.Helper()
	var p *corev1.Pod
	e.eventually(timeout, "pod "+name+" "+what, func() (bool, string) {
		p = e.pod(name)
		if p == nil {
			return false, "absent"
		}
		return cond(p), fmt.Sprintf("phase=%s reason=%s annotations=%d", p.Status.Phase, p.Status.Reason, len(p.Annotations))
	})
	return p
}

func (e *env) waitPodGone(name string, timeout time.Duration) {
	e.t.Helper()
	e.eventually(timeout, "pod "+name+" deleted", func() (bool, string) {
		p := e.pod(name)
		if p == nil {
			return true, ""
		}
		return false, string(p.Status.Phase)
	})
}

func running(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning }

func ready(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// apply runs kubectl apply with the given manifest.
func (e *env) apply(manifest string) {
	e.t.Helper()
	f := filepath.Join(e.t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(f, []byte(manifest), 0o600); err != nil {
		e.t.Fatal(err)
	}
	e.c.Kubectl(e.t, "apply", "-f", f)
}

// gpuPod renders a pod that tolerates and selects the virtual node.
func gpuPod(name string, gpus int, annotations map[string]string, containerExtra string) string {
	var ann strings.Builder
	for k, v := range annotations {
		fmt.Fprintf(&ann, "    %s: %q\n", k, v)
	}
	annBlock := ""
	if ann.Len() > 0 {
		annBlock = "  annotations:\n" + ann.String()
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
%sspec:
  restartPolicy: Never
%s  containers:
    - name: main
      image: runpod/pytorch:2.4.0
      resources:
        limits:
          nvidia.com/gpu: %d
%s`, name, annBlock, placement("  "), gpus, containerExtra)
}

// placement is the pod-spec lines that put a pod on the virtual node (its
// node selector and the toleration of its taint), each indented by indent.
func placement(indent string) string {
	var b strings.Builder
	for _, line := range []string{"nodeSelector:", "  type: virtual-kubelet", "tolerations:",
		"  - key: virtual-kubelet.io/provider", "    operator: Equal", "    value: runpod", "    effect: NoSchedule"} {
		b.WriteString(indent + line + "\n")
	}
	return b.String()
}

// runpodPods lists the simulator's live pods.
func (e *env) runpodPods() []runpodapi.Pod { return e.sim.Pods() }

// events returns the messages of the Events on a pod of namespace default
// (or on the node: the recorder files node Events there too).
func (e *env) events(podName string) string { return e.eventsIn(ns, podName) }

// eventsIn returns the messages of the Events on an object of a namespace.
func (e *env) eventsIn(namespace, name string) string {
	list, err := e.kube.CoreV1().Events(namespace).List(context.Background(), metav1.ListOptions{
		FieldSelector: "involvedObject.name=" + name})
	if err != nil {
		e.t.Fatal(err)
	}
	var b strings.Builder
	for _, ev := range list.Items {
		fmt.Fprintf(&b, "%s %s: %s\n", ev.Type, ev.Reason, ev.Message)
	}
	return b.String()
}
