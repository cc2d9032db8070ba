package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/node"
	"github.com/runpod-kubelet/runpod-kubelet/podsync"
)

// Scenario 11: MAX_HOURLY_SPEND holds one pinned RTX 4090 SECURE ($0.69/h)
// and not two: the second pod waits until the first is deleted.
func TestSpendCapHoldsSecondPod(t *testing.T) {
	t.Parallel() // no latency assertion: safe beside another scenario
	e := newEnv(t, nil)
	e.startKubelet("replica-a", "MAX_HOURLY_SPEND=1.00")
	e.waitNodeReady()
	pin := map[string]string{"runpod.io/gpu-type-ids": plRTX4090, "runpod.io/cloud-type": "SECURE"}

	e.apply(gpuPod("spend-a", 1, pin, ""))
	a := e.waitPod("spend-a", 60*time.Second, "Running", func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationPodID] != ""
	})
	aID := a.Annotations[podsync.AnnotationPodID]
	if rp, ok := e.sim.Pod(aID); !ok || rp.Cost != plPrice4090 || rp.Gpu == nil || rp.Gpu.ID != plRTX4090 {
		t.Fatalf("RunPod pod of spend-a: %+v (found %v), want 1× %s at $%.2f/h", rp, ok, plRTX4090, plPrice4090)
	}
	spendWaitCondition(e, corev1.ConditionTrue, node.ReasonWithinSpendCap, "1 RunPod pod, $0.69/h of $1.00/h cap", "0.69", "1")

	// B would bring the node to $1.38/h: it waits Pending, RunPod gets no second pod.
	e.apply(gpuPod("spend-b", 1, pin, ""))
	line := e.plWaitEvent("spend-b", corev1.EventTypeWarning, podsync.EventSpendCap, 30*time.Second,
		"MAX_HOURLY_SPEND $1.00/h", "$0.69/h")
	t.Logf("spend-b: %s", line)
	time.Sleep(5 * time.Second) // several 1 s re-checks
	e.plPending("spend-b", podsync.ReasonSpendCap)
	if live := e.runpodPods(); len(live) != 1 || live[0].ID != aID {
		t.Fatalf("RunPod pods %+v, want only spend-a's %s", live, aID)
	}
	if c := e.sim.Counters(); c["POST /v2/pods"] != 1 {
		t.Errorf("want one create while capped: %v", c)
	}
	if e.plHasEvent("spend-b", podsync.EventPlanned) {
		t.Errorf("spend-b was planned past the cap:\n%s", e.events("spend-b"))
	}
	spendWaitCondition(e, corev1.ConditionTrue, node.ReasonWithinSpendCap, "1 RunPod pod, $0.69/h of $1.00/h cap", "0.69", "1")

	// Deleting A stops its billing and makes room: B starts.
	e.c.Kubectl(t, "delete", "pod", "spend-a", "--wait=false")
	e.plWaitRunPodGone(aID, 60*time.Second)
	b := e.waitPod("spend-b", 60*time.Second, "Running", func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationPodID] != ""
	})
	bID := b.Annotations[podsync.AnnotationPodID]
	live := e.runpodPods()
	if len(live) != 1 || live[0].ID != bID || bID == aID || live[0].Cost != plPrice4090 {
		t.Errorf("RunPod pods %+v, want only spend-b's %s", live, bID)
	}
	spendWaitCondition(e, corev1.ConditionTrue, node.ReasonWithinSpendCap, "1 RunPod pod, $0.69/h of $1.00/h cap", "0.69", "1")
	c := e.sim.Counters()
	if c["POST /v2/pods"] != 2 || c["DELETE /v2/pods/{id}"] < 1 {
		t.Errorf("want 2 creates and a DELETE: %v", c)
	}

	// CPU pods are priced from the CPU catalog before they are created:
	// 16 vCPUs × $0.03 = $0.48/h does not fit beside B, 2 vCPUs ($0.06/h) does.
	e.apply(gpuPod("spend-cpu-16", 0, nil, "          cpu: \"16\"\n"))
	line = e.plWaitEvent("spend-cpu-16", corev1.EventTypeWarning, podsync.EventSpendCap, 30*time.Second,
		"MAX_HOURLY_SPEND $1.00/h", "adds $0.48/h")
	t.Logf("spend-cpu-16: %s", line)
	e.apply(gpuPod("spend-cpu-2", 0, nil, ""))
	e.plWaitEvent("spend-cpu-2", corev1.EventTypeNormal, podsync.EventPlanned, 30*time.Second, "cpu3c with 2 vCPUs at $0.06/h")
	e.waitPod("spend-cpu-2", 60*time.Second, "Running", running)
	e.plPending("spend-cpu-16", podsync.ReasonSpendCap)
	if c := e.sim.Counters(); c["POST /v2/pods"] != 3 {
		t.Errorf("want one more create, for the 2-vCPU pod only: %v", c)
	}
	spendWaitCondition(e, corev1.ConditionTrue, node.ReasonWithinSpendCap, "2 RunPod pods, $0.75/h of $1.00/h cap", "0.75", "2")
}

// spendWaitCondition waits for the node's RunPodSpend condition to read msg
// and its annotations to show hourly (e.g. "0.69") and pods.
func spendWaitCondition(e *env, status corev1.ConditionStatus, reason, msg, hourly, pods string) {
	e.t.Helper()
	e.eventually(30*time.Second, "RunPodSpend "+msg, func() (bool, string) {
		n, err := e.kube.CoreV1().Nodes().Get(context.Background(), nodeName, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range n.Status.Conditions {
			if c.Type == node.ConditionRunPodSpend {
				got := fmt.Sprintf("%s %s %q, annotations %s=%s %s=%s", c.Status, c.Reason, c.Message,
					node.AnnotationHourlySpend, n.Annotations[node.AnnotationHourlySpend], node.AnnotationPodCount, n.Annotations[node.AnnotationPodCount])
				return c.Status == status && c.Reason == reason && strings.Contains(c.Message, msg) &&
					n.Annotations[node.AnnotationHourlySpend] == hourly && n.Annotations[node.AnnotationPodCount] == pods, got
			}
		}
		return false, "no RunPodSpend condition"
	})
}
