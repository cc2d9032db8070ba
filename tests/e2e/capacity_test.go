package e2e

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
)

// Scenario 6: capacity. The node allows US-TX-3 then EU-RO-1; the pods pin
// the RTX 4090, which the catalog offers in both (US-TX-3 first: same stock
// level, first in the allow-list).
func TestCapacityFallbackAndWait(t *testing.T) {
	t.Parallel() // no latency assertion: safe beside another scenario
	e := newEnv(t, nil)
	e.startKubelet("replica-a", "DATACENTER_IDS=US-TX-3,EU-RO-1")
	e.waitNodeReady()
	pin := map[string]string{"runpod.io/gpu-type-ids": plRTX4090}

	// With stock everywhere the first candidate wins; this also caches the catalog.
	e.apply(gpuPod("cap-first", 1, pin, ""))
	first := capacityWaitRunning(e, "cap-first", "US-TX-3")

	// US-TX-3 runs out while the kubelet's catalog (cached for 10 s) still
	// shows stock: RunPod refuses that candidate and the next one is used.
	e.sim.SetCapacity(plRTX4090, "US-TX-3", 0)
	catalogReads := e.sim.Counters()["GET /v2/catalog/gpus"]
	e.apply(gpuPod("cap-next", 1, pin, ""))
	next := capacityWaitRunning(e, "cap-next", "EU-RO-1")
	c := e.sim.Counters()
	if c["GET /v2/catalog/gpus"] == catalogReads {
		e.plWaitEvent("cap-next", corev1.EventTypeNormal, podsync.EventCandidateSkipped, 10*time.Second, plRTX4090+" in US-TX-3 refused")
		if c["POST /v2/pods"] != 3 {
			t.Errorf("want 3 creates (first, refused US-TX-3, EU-RO-1): %v", c)
		}
	} else {
		// The cache expired first (a slow machine): the fresh catalog shows
		// US-TX-3 without stock, so the plan starts at EU-RO-1 and no create is wasted.
		t.Logf("catalog re-read before cap-next was planned; checking the fresh-catalog path")
		e.plWaitEvent("cap-next", corev1.EventTypeNormal, podsync.EventPlanned, 10*time.Second, "first 1× "+plRTX4090+" in EU-RO-1")
		if c["POST /v2/pods"] != 2 || e.plHasEvent("cap-next", podsync.EventCandidateSkipped) {
			t.Errorf("want 2 creates and no skipped candidate: %v\n%s", c, e.events("cap-next"))
		}
	}

	// No stock in any allowed data center: the pod waits Pending, nothing is created.
	e.sim.SetCapacity(plRTX4090, "US-TX-3", 0)
	e.sim.SetCapacity(plRTX4090, "EU-RO-1", 0)
	posts := e.sim.Counters()["POST /v2/pods"]
	e.apply(gpuPod("cap-wait", 1, pin, ""))
	line := e.plWaitEvent("cap-wait", corev1.EventTypeWarning, podsync.EventNoCapacity, 30*time.Second)
	t.Logf("cap-wait: %s", line)
	time.Sleep(7 * time.Second) // past the first 5 s back-off: retried, still no stock
	e.plPending("cap-wait", podsync.ReasonNoCapacity)
	if live := e.runpodPods(); len(live) != 2 {
		t.Errorf("RunPod has %d pods, want the 2 placed before: %+v", len(live), live)
	}
	if c := e.sim.Counters(); c["POST /v2/pods"] > posts+1 {
		// At most one create, from a catalog cached before the stock ran out.
		t.Errorf("creates while nothing had stock: %d → %d", posts, c["POST /v2/pods"])
	}

	// Stock returns in EU-RO-1: the next retry (back-off 5 s, 10 s, 20 s, ...) places it there.
	e.sim.SetCapacity(plRTX4090, "EU-RO-1", 4)
	capacityWaitRunning(e, "cap-wait", "EU-RO-1")
	if live := e.runpodPods(); len(live) != 3 {
		t.Errorf("RunPod has %d pods, want 3: %+v", len(live), live)
	}
	for _, rp := range []string{first, next} {
		if _, ok := e.sim.Pod(rp); !ok {
			t.Errorf("RunPod pod %s of an earlier pod is gone", rp)
		}
	}
}

// capacityWaitRunning waits for the pod to run in dc and checks RunPod agrees;
// it returns the RunPod pod id.
func capacityWaitRunning(e *env, name, dc string) string {
	e.t.Helper()
	p := e.waitPod(name, 90*time.Second, "Running in "+dc, func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationDataCenterID] != ""
	})
	id := p.Annotations[podsync.AnnotationPodID]
	rp, ok := e.sim.Pod(id)
	switch {
	case p.Annotations[podsync.AnnotationDataCenterID] != dc || p.Annotations[podsync.AnnotationGpuType] != plRTX4090:
		e.t.Fatalf("%s placed as %s in %s, want %s in %s", name, p.Annotations[podsync.AnnotationGpuType],
			p.Annotations[podsync.AnnotationDataCenterID], plRTX4090, dc)
	case !ok || rp.DataCenterID == nil || *rp.DataCenterID != dc || rp.Gpu == nil || rp.Gpu.ID != plRTX4090:
		e.t.Fatalf("RunPod pod %s of %s: %+v (found %v), want %s in %s", id, name, rp, ok, plRTX4090, dc)
	}
	return id
}
