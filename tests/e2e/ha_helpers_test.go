package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Helpers of the HA, crash, outage and orphan scenarios; prefixed ha so they
// never clash with another suite's.

// haLeaseName is the leader-election Lease of the kubelet replicas.
const haLeaseName = "runpod-kubelet-" + nodeName

// haLeaseHolder reads the POD_NAME of the Lease's holderIdentity
// (<NAMESPACE>/<POD_NAME>; "" when absent or released).
func haLeaseHolder(e *env) string {
	l, err := e.kube.CoordinationV1().Leases("kube-node-lease").Get(context.Background(), haLeaseName, metav1.GetOptions{})
	if err != nil || l.Spec.HolderIdentity == nil {
		return ""
	}
	_, pod, _ := strings.Cut(*l.Spec.HolderIdentity, "/")
	return pod
}

// haWaitHolder polls the Lease every 50 ms until its holder satisfies ok and
// returns the holder and when it was first seen.
func haWaitHolder(e *env, timeout time.Duration, what string, ok func(string) bool) (string, time.Time) {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		h := haLeaseHolder(e)
		if ok(h) {
			return h, time.Now()
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out after %s waiting for the Lease holder to be %s; holder %q", timeout, what, h)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// haClusterID is the cluster id the kubelet derives when CLUSTER_ID is unset.
func haClusterID(e *env) string {
	n, err := e.kube.CoreV1().Namespaces().Get(context.Background(), "kube-system", metav1.GetOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return string(n.UID)
}

// haCPUPod renders a CPU-only pod (no GPU limit) for the virtual node.
func haCPUPod(name string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
  labels:
    suite: resilience
spec:
  restartPolicy: Never
%s  containers:
    - name: main
      image: busybox:1.36
`, name, placement("  "))
}

// haCPUPodList renders n CPU pods name-0 … name-(n-1) as one v1 List.
func haCPUPodList(prefix string, n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	for i := 0; i < n; i++ {
		for j, line := range strings.Split(strings.TrimRight(haCPUPod(fmt.Sprintf("%s-%d", prefix, i)), "\n"), "\n") {
			if j == 0 {
				b.WriteString("  - " + line + "\n")
			} else {
				b.WriteString("    " + line + "\n")
			}
		}
	}
	return b.String()
}

// haSuitePods lists the pods this suite created (label suite=resilience).
func haSuitePods(e *env) []corev1.Pod {
	list, err := e.kube.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "suite=resilience"})
	if err != nil {
		e.t.Fatal(err)
	}
	return list.Items
}

// haAllRunning waits until want suite pods exist and all are Running.
func haAllRunning(e *env, want int, timeout time.Duration) []corev1.Pod {
	e.t.Helper()
	var pods []corev1.Pod
	e.eventually(timeout, fmt.Sprintf("%d pods Running", want), func() (bool, string) {
		pods = haSuitePods(e)
		phases := map[corev1.PodPhase]int{}
		for _, p := range pods {
			if p.Status.Phase == corev1.PodFailed {
				e.t.Fatalf("pod %s Failed: %s %s\nEvents:\n%s", p.Name, p.Status.Reason, p.Status.Message, e.events(p.Name))
			}
			phases[p.Status.Phase]++
		}
		return len(pods) == want && phases[corev1.PodRunning] == want, fmt.Sprintf("%d pods, phases %v", len(pods), phases)
	})
	return pods
}

// haOnePerPod asserts the simulator holds exactly one live RunPod pod per
// Kubernetes pod, owned by its UID, named once, recorded in its
// runpod.io/pod-id annotation, and nothing else of this cluster's node.
func haOnePerPod(e *env, clusterID string, pods []corev1.Pod) {
	e.t.Helper()
	byUID := map[string][]runpodapi.Pod{}
	names := map[string]int{}
	for _, rp := range e.runpodPods() {
		if rp.Status == runpodapi.StatusTerminated {
			continue
		}
		names[rp.Name]++
		uid, ok := policy.Owned(&rp, clusterID, nodeName)
		if !ok {
			e.t.Errorf("RunPod pod %s (%s) is not owned by this node", rp.ID, rp.Name)
			continue
		}
		byUID[uid] = append(byUID[uid], rp)
	}
	for name, n := range names {
		if n != 1 {
			e.t.Errorf("RunPod has %d pods named %s, want 1", n, name)
		}
	}
	want := map[string]bool{}
	for _, p := range pods {
		uid := string(p.UID)
		want[uid] = true
		rps := byUID[uid]
		if len(rps) != 1 {
			e.t.Errorf("pod %s has %d RunPod pods, want 1", p.Name, len(rps))
			continue
		}
		if got := p.Annotations[podsync.AnnotationPodID]; got != rps[0].ID {
			e.t.Errorf("pod %s: %s = %q, want %q", p.Name, podsync.AnnotationPodID, got, rps[0].ID)
		}
	}
	var leaked []string
	for uid, rps := range byUID {
		if !want[uid] {
			for _, rp := range rps {
				leaked = append(leaked, rp.ID+" "+rp.Name)
			}
		}
	}
	sort.Strings(leaked)
	if len(leaked) > 0 {
		e.t.Errorf("leaked RunPod pods (no Kubernetes pod): %v", leaked)
	}
}

// haAnnotated waits until every pod carries runpod.io/pod-id (the patch may
// trail the Running status by a round).
func haAnnotated(e *env, want int, timeout time.Duration) []corev1.Pod {
	e.t.Helper()
	var pods []corev1.Pod
	e.eventually(timeout, "every pod annotated with "+podsync.AnnotationPodID, func() (bool, string) {
		pods = haSuitePods(e)
		missing := 0
		for _, p := range pods {
			if p.Annotations[podsync.AnnotationPodID] == "" {
				missing++
			}
		}
		return len(pods) == want && missing == 0, fmt.Sprintf("%d pods, %d without %s", len(pods), missing, podsync.AnnotationPodID)
	})
	return pods
}

// haNodeCondition reads one condition of the virtual node.
func haNodeCondition(e *env, typ corev1.NodeConditionType) (corev1.NodeCondition, bool) {
	n, err := e.kube.CoreV1().Nodes().Get(context.Background(), nodeName, metav1.GetOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range n.Status.Conditions {
		if c.Type == typ {
			return c, true
		}
	}
	return corev1.NodeCondition{}, false
}

// haNoneFailed fails the test if a suite pod is Failed or the node not Ready.
func haNoneFailed(e *env, when string) {
	e.t.Helper()
	for _, p := range haSuitePods(e) {
		if p.Status.Phase == corev1.PodFailed {
			e.t.Fatalf("%s: pod %s Failed: %s %s\nEvents:\n%s", when, p.Name, p.Status.Reason, p.Status.Message, e.events(p.Name))
		}
	}
	if c, _ := haNodeCondition(e, corev1.NodeReady); c.Status != corev1.ConditionTrue {
		e.t.Fatalf("%s: node Ready = %s (%s)", when, c.Status, c.Message)
	}
}

// haLogHas reports whether the replica's log contains s.
func haLogHas(k *kubelet, s string) bool { return strings.Contains(k.Text(), s) }
