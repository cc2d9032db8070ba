package podsync

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// After a takeover from a live leader, a pod present at the term's start
// waits out the hold; the old leader's create that lands meanwhile is
// adopted, never duplicated. After a clean hand-over nothing waits.
func TestTakeoverHoldsCreatesOfPodsPresentAtStart(t *testing.T) {
	for _, clean := range []bool{false, true} {
		t.Run(map[bool]string{false: "taken over", true: "released"}[clean], func(t *testing.T) {
			pod := gpuPod("held", 1, nil)
			r := newRig(t, func(s *Settings) { s.CreateBound = 2 * time.Second }, pod)
			r.handover = Handover{Clean: clean, From: "kube-system/old-leader", At: time.Now()}
			r.newTerm()
			if err := r.p.Rebuild(r.ctx); err != nil {
				t.Fatal(err)
			}
			_ = r.p.CreatePod(r.ctx, pod)
			r.rounds(2)
			if clean {
				r.eventually("created at once", func() bool { return r.count(routeCreate) == 1 })
				return
			}
			r.eventually("the hold shown", func() bool { return r.waitingReason("held") == ReasonHandover })
			if n := r.count(routeCreate); n != 0 {
				t.Fatalf("during the hold: %d POSTs, want none", n)
			}
			landed := r.seedFor(pod, testCluster, testNode) // the old leader's POST lands
			r.eventually("adopted after the hold", func() bool { return phaseOf(r, "held") == corev1.PodRunning })
			if n, pods := r.count(routeCreate), len(r.sim.Pods()); n != 0 || pods != 1 {
				t.Errorf("%d POSTs and %d RunPod pods, want 0 and the one that landed (%s)", n, pods, landed.ID)
			}
			if !r.sawEvent(EventHandoverHold, "old-leader") {
				t.Errorf("no %s Event", EventHandoverHold)
			}
		})
	}
}

// WaitCreates waits for a POST in flight and lets no new one start.
func TestWaitCreatesWaitsForThePOSTInFlight(t *testing.T) {
	first, second := gpuPod("first", 1, nil), gpuPod("second", 1, nil)
	r := newRigWith(t, rigConfig{sim: func(o *simulator.Options) {}}, first, second)
	r.sim.SetFaults(simulator.Faults{SlowCreate: 300 * time.Millisecond})
	_ = r.p.CreatePod(r.ctx, first)
	deadline := time.Now().Add(5 * time.Second)
	for r.count(routeCreate) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	r.cancel() // the term ends with the POST in flight
	if !r.p.WaitCreates(5 * time.Second) {
		t.Fatal("WaitCreates timed out")
	}
	if n := len(r.sim.Pods()); n != 1 {
		t.Fatalf("WaitCreates returned with %d RunPod pods, want the POST landed first", n)
	}
	_ = r.p.CreatePod(r.ctx, second)
	time.Sleep(100 * time.Millisecond)
	if n := r.count(routeCreate); n != 1 {
		t.Errorf("%d POSTs after the term ended, want still 1", n)
	}
}

// A second RunPod pod of a live pod (say an old leader's late create) is
// deleted after the grace, with an Event; the recorded one stays.
func TestGCDeletesADuplicateOfALivePod(t *testing.T) {
	pod := gpuPod("twice", 1, nil)
	r := newRigWith(t, rigConfig{writeStatus: true}, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running", func() bool { return phaseOf(r, "twice") == corev1.PodRunning })
	kept := r.sim.Pods()[0].ID
	dup := r.seedFor(pod, testCluster, testNode)
	r.rounds(2)
	if _, ok := r.sim.Pod(dup.ID); !ok {
		t.Fatalf("the duplicate %s was deleted before the grace", dup.ID)
	}
	spend, count := r.p.currentSpend("")
	if count != 2 || spend < 2*dup.Cost-1e-9 {
		t.Errorf("spend counts %d pods, $%.2f/h; want both RunPod pods (the duplicate bills too)", count, spend)
	}
	r.advance(r.p.s.OrphanGrace + time.Second)
	r.rounds(1)
	if _, ok := r.sim.Pod(dup.ID); ok {
		t.Fatalf("the duplicate %s outlived the grace", dup.ID)
	}
	if _, ok := r.sim.Pod(kept); !ok {
		t.Fatalf("the recorded RunPod pod %s was deleted", kept)
	}
	if !r.sawEvent(EventDuplicateDeleted, dup.ID, kept) {
		t.Errorf("no %s Event on the pod", EventDuplicateDeleted)
	}
	if got := r.kubePod("twice").Annotations[AnnotationPodID]; got != kept {
		t.Errorf("annotation %q, want %q", got, kept)
	}
}

// A pod that does not tolerate the node's taint fails at admission, like on
// a kubelet, without any RunPod call; so does one of a namespace not served.
func TestAdmissionRejectsBeforeAnyRunPodCall(t *testing.T) {
	taint := corev1.Taint{Key: "virtual-kubelet.io/provider", Value: "runpod", Effect: corev1.TaintEffectNoSchedule}
	tolerating := gpuPod("tolerating", 1, nil)
	tolerating.Spec.Tolerations = []corev1.Toleration{{Key: taint.Key, Value: taint.Value, Effect: taint.Effect}}
	other := tolerating.DeepCopy()
	other.Name, other.Namespace, other.UID = "elsewhere", "team-x", uidOf("elsewhere")
	bare := gpuPod("bare", 1, nil) // spec.nodeName set, no toleration: bypassed the scheduler
	r := newRig(t, func(s *Settings) {
		s.Admission.Taints = []corev1.Taint{taint}
		s.Admission.Namespaces = []string{"default"}
	}, bare, tolerating, other)
	r.sim.ResetCounters()
	for _, pod := range []*corev1.Pod{bare, other} {
		_ = r.p.CreatePod(r.ctx, pod)
	}
	r.rounds(2)
	for name, want := range map[string]string{"default/bare": "UntoleratedTaint", "team-x/elsewhere": "NamespaceNotAllowed"} {
		r.mu.Lock()
		st := r.statuses[name]
		r.mu.Unlock()
		if st.Phase != corev1.PodFailed || st.Reason != want {
			t.Errorf("%s: phase %s reason %q, want Failed %s", name, st.Phase, st.Reason, want)
		}
	}
	if c := r.sim.Counters(); c[routeCreate] != 0 || c["GET /v2/catalog/gpus"] != 0 {
		t.Errorf("rejected pods made RunPod calls: %v", c)
	}
	if err := r.p.DeletePod(r.ctx, bare); err != nil {
		t.Fatal(err)
	}
	_ = r.p.CreatePod(r.ctx, tolerating)
	r.eventually("the tolerating pod runs", func() bool { return phaseOf(r, "tolerating") == corev1.PodRunning })
}
