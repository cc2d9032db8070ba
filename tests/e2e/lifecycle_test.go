package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
)

// Scenarios 1–3: the node registers; a pod is scheduled, created on RunPod,
// runs, is annotated and serves logs; deleting it stops its container and
// then terminates the RunPod pod.
func TestNodePodLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	e.startKubelet("replica-a")

	// 1. Node: Ready, labels, taint, capacity, providerID, Lease renewing.
	n := e.waitNodeReady()
	for k, v := range map[string]string{"type": "virtual-kubelet", "kubernetes.io/os": "linux",
		"kubernetes.io/arch": "amd64", "kubernetes.io/role": "agent", "kubernetes.io/hostname": nodeName} {
		if n.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, n.Labels[k], v)
		}
	}
	hasTaint := false
	for _, tn := range n.Spec.Taints {
		hasTaint = hasTaint || (tn.Key == "virtual-kubelet.io/provider" && tn.Value == "runpod" && tn.Effect == corev1.TaintEffectNoSchedule)
	}
	if !hasTaint || !strings.HasPrefix(n.Spec.ProviderID, "runpod://") || n.Status.Capacity.Name("nvidia.com/gpu", "").IsZero() {
		t.Errorf("node spec: taints %v providerID %q capacity %v", n.Spec.Taints, n.Spec.ProviderID, n.Status.Capacity)
	}
	lease1, err := e.kube.CoordinationV1().Leases("kube-node-lease").Get(context.Background(), nodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("node Lease: %v", err)
	}
	e.eventually(30*time.Second, "the node Lease to renew", func() (bool, string) {
		l, err := e.kube.CoordinationV1().Leases("kube-node-lease").Get(context.Background(), nodeName, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return l.Spec.RenewTime.After(lease1.Spec.RenewTime.Time), l.Spec.RenewTime.String()
	})

	// 2. Pod: scheduled by the real scheduler, created with the planned GPU,
	// Running and Ready, annotated, logs served.
	e.apply(gpuPod("train", 1, map[string]string{"runpod.io/required-gpu-memory": "24"}, `      ports:
        - containerPort: 22
`))
	p := e.waitPod("train", 60*time.Second, "Running and Ready", func(p *corev1.Pod) bool { return running(p) && ready(p) })
	if p.Spec.NodeName != nodeName {
		t.Fatalf("scheduled to %q", p.Spec.NodeName)
	}
	rps := e.runpodPods()
	if len(rps) != 1 {
		t.Fatalf("RunPod has %d pods, want 1", len(rps))
	}
	rp := rps[0]
	p = e.waitPod("train", 30*time.Second, "annotated", func(p *corev1.Pod) bool {
		return p.Annotations[podsync.AnnotationPodID] == rp.ID && p.Annotations[podsync.AnnotationPublicIP] != ""
	})
	if p.Annotations[podsync.AnnotationGpuType] != rp.Gpu.ID || p.Annotations[podsync.AnnotationCostPerHr] == "" ||
		!strings.Contains(p.Annotations[podsync.AnnotationPortMappings], "22/tcp=") {
		t.Errorf("annotations %v do not describe RunPod pod %+v", p.Annotations, rp)
	}
	if p.Status.PodIP != p.Annotations[podsync.AnnotationPublicIP] {
		t.Errorf("podIP %q, want the public IP", p.Status.PodIP)
	}
	// The kubelet caches pods without managedFields; its writes must leave
	// the server's field ownership as it was (kubectl's) plus its own status.
	var kubectlOwns, statusOwned bool
	for _, f := range p.ManagedFields {
		kubectlOwns = kubectlOwns || strings.HasPrefix(f.Manager, "kubectl")
		statusOwned = statusOwned || f.Subresource == "status"
	}
	if !kubectlOwns || !statusOwned {
		t.Errorf("managedFields lost entries (want kubectl's and a status writer's): %+v", p.ManagedFields)
	}
	time.Sleep(time.Second) // let a few log lines accumulate
	logs := e.c.Kubectl(t, "logs", "train", "--tail", "3")
	if n := len(strings.Split(strings.TrimSpace(logs), "\n")); n != 3 || !strings.Contains(logs, "step") {
		t.Errorf("kubectl logs --tail 3 gave %d lines:\n%s", n, logs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stream, err := e.kube.CoreV1().Pods(ns).GetLogs("train", &corev1.PodLogOptions{Follow: true, TailLines: ptr(int64(1))}).Stream(ctx)
	if err != nil {
		t.Fatalf("logs -f: %v", err)
	}
	buf := make([]byte, 0, 4096)
	chunk := make([]byte, 1024)
	for strings.Count(string(buf), "\n") < 3 {
		n, err := stream.Read(chunk)
		if err != nil {
			t.Fatalf("logs -f ended after %q: %v", buf, err)
		}
		buf = append(buf, chunk[:n]...)
	}
	stream.Close()

	// 3. Delete: the container is stopped (SIGTERM), then the RunPod pod is
	// terminated (DELETE, not just stop), and the pod goes.
	e.c.Kubectl(t, "delete", "pod", "train", "--wait=false")
	e.eventually(30*time.Second, "the RunPod pod to be terminated", func() (bool, string) {
		return len(e.runpodPods()) == 0, ""
	})
	e.waitPodGone("train", 60*time.Second)
	c := e.sim.Counters()
	if c["DELETE /v2/pods/{id}"] < 1 || c["POST /v2/pods/{id}/action"] != 1 {
		t.Errorf("want one stop action, then a DELETE: %v", c)
	}
}

func ptr[T any](v T) *T { return &v }
