package podsync

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
)

// Two data centers sell the 4090 at the same price; the allow-list order
// makes US-TX-3 the first candidate.
func twoDataCenters(s *Settings) {
	s.DataCenterIDs = []string{"US-TX-3", "US-KS-2"}
	s.RetryBackoff = 30 * time.Second // long enough that only rig.advance ends it
}

func TestFullCandidateIsSkippedForTheNext(t *testing.T) {
	pod := pinned4090("next")
	r := newRig(t, twoDataCenters, pod)
	// The catalog was read while US-TX-3 still had stock (it is cached for
	// CatalogTTL); then the stock went: RunPod refuses the first candidate.
	in, err := r.p.planInput(r.ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	q, err := policy.CatalogQueryFor(in)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.p.catalog.get(r.ctx, q); err != nil {
		t.Fatal(err)
	}
	r.sim.SetCapacity(rtx4090, "US-TX-3", 0)

	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running", func() bool { st, _ := r.status(pod.Name); return st.Phase == corev1.PodRunning })
	pods := r.sim.Pods()
	if len(pods) != 1 || pods[0].DataCenterID == nil || *pods[0].DataCenterID != "US-KS-2" {
		t.Fatalf("RunPod pods %+v, want one in US-KS-2", pods)
	}
	if !r.sawEvent(EventCandidateSkipped, "US-TX-3") {
		t.Errorf("no %s event naming US-TX-3", EventCandidateSkipped)
	}
	if n := r.count(routeCreate); n != 2 {
		t.Errorf("%d POSTs, want 2 (the refused one and the next)", n)
	}
}

func TestNoCapacityWaitsThenPlaces(t *testing.T) {
	pod := pinned4090("waits")
	r := newRig(t, twoDataCenters, pod)
	r.sim.SetCapacity(rtx4090, "US-TX-3", 0)
	r.sim.SetCapacity(rtx4090, "US-KS-2", 0)

	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("held back", func() bool { return r.waitingReason(pod.Name) == ReasonNoCapacity })
	st, _ := r.status(pod.Name)
	if st.Phase != corev1.PodPending || st.Reason != ReasonNoCapacity {
		t.Errorf("phase %s reason %q, want Pending %s", st.Phase, st.Reason, ReasonNoCapacity)
	}
	if !r.sawEvent(EventNoCapacity) {
		t.Errorf("no %s event", EventNoCapacity)
	}

	r.sim.SetCapacity(rtx4090, "US-KS-2", 1)
	r.rounds(3)
	if n := r.count(routeCreate); n != 0 {
		t.Fatalf("%d POSTs before the retry time, want 0", n)
	}
	r.advance(31 * time.Second)
	r.eventually("placed", func() bool { st, _ := r.status(pod.Name); return st.Phase == corev1.PodRunning })
	if pods := r.sim.Pods(); len(pods) != 1 || *pods[0].DataCenterID != "US-KS-2" || r.count(routeCreate) != 1 {
		t.Errorf("RunPod pods %d (want 1 in US-KS-2), POSTs %d (want 1)", len(pods), r.count(routeCreate))
	}
}
