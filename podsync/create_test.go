package podsync

// Idempotent create: what each crash point leaves behind, and how the next
// step finds it. Each must end with exactly one RunPod pod per Kubernetes pod
// and no second create.
//
//	crash point                                 left behind              found by
//	a.  RunPod create returned, annotation      a RunPod pod of the      Rebuild: by deterministic name; it
//	    patch not done (seeded, or term 1's     pod's name, no           records the annotation, CreatePod
//	    patch refused by the API server)        runpod.io/pod-id         after it creates nothing (0 POSTs)
//	a'. same, and RunPod down during Rebuild    same                     CreatePod's name lookup waits for
//	                                                                     RunPod, then the round adopts (0 POSTs)
//	b.  after the annotation patch              runpod.io/pod-id         Rebuild: by annotation, even with
//	                                                                     RunPod down (0 POSTs)
//	c.  RunPod made the pod, answered 500       a RunPod pod             the name lookup after the 5xx (1 POST)
//	d.  POST reset before RunPod read it        nothing                  the lookup fails or finds nothing; one
//	                                                                     more POST once RunPod answers (2 POSTs)
//	d'. answer lost after the pod was made      a RunPod pod             the name lookup after the reset (1 POST)
//	d". answer lost, and the lookup fails too   a RunPod pod             no second POST: the pod waits, the
//	                                                                     next successful list adopts (1 POST)
//	e.  Kubernetes pod deleted during a slow    the POST's RunPod pod    the create worker finishes the POST and
//	    create (request or answer slow)         (if RunPod made it)      deletes it before DeletePod returns
//	f.  CreatePod for a pod Rebuild adopted     nothing                  CreatePod sees it tracked (0 POSTs)
//	g.  a new pod of the same name during the   the old pod's RunPod     its create worker deletes it; the new
//	    old one's create                        pod                      pod gets its own (2 POSTs, 1 pod)

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// assertOnePod checks that RunPod holds exactly one pod, recorded on the
// Kubernetes pod, and that exactly posts creates were sent in all terms.
func assertOnePod(t *testing.T, r *rig, name string, posts int64) {
	t.Helper()
	r.eventually("the pod Running", func() bool { st, _ := r.status(name); return st.Phase == corev1.PodRunning })
	pods := r.sim.Pods()
	if len(pods) != 1 {
		t.Fatalf("RunPod has %d pods, want exactly 1", len(pods))
	}
	if got := r.count(routeCreate); got != posts {
		t.Errorf("%s called %d times, want %d", routeCreate, got, posts)
	}
	r.eventually("runpod.io/pod-id recorded", func() bool {
		return r.kubePod(name).Annotations[AnnotationPodID] == pods[0].ID
	})
	if n := len(r.sim.Pods()); n != 1 {
		t.Fatalf("RunPod has %d pods after the rounds, want 1", n)
	}
}

func TestCrashBeforeAnnotationPatchIsAdoptedByName(t *testing.T) {
	tests := []struct {
		name  string
		crash func(r *rig, pod *corev1.Pod) // term 1 up to the crash
		down  bool                          // RunPod unreachable during term 2's Rebuild
		posts int64
	}{
		{"seeded by name", func(r *rig, pod *corev1.Pod) { r.seedFor(pod, testCluster, testNode) }, false, 0},
		{"term 1's patch refused", func(r *rig, pod *corev1.Pod) {
			r.failPatches.Store(true)
			_ = r.p.CreatePod(r.ctx, pod)
			r.eventually("term 1's create", func() bool { return len(r.sim.Pods()) == 1 })
			r.rounds(2) // each retries the patch, in vain
			if id := r.kubePod(pod.Name).Annotations[AnnotationPodID]; id != "" {
				r.t.Fatalf("annotation %q recorded although patches fail", id)
			}
			r.failPatches.Store(false)
		}, false, 1},
		{"RunPod down at Rebuild", func(r *rig, pod *corev1.Pod) { r.seedFor(pod, testCluster, testNode) }, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := gpuPod("crash-a", 1, nil)
			r := newRig(t, nil, pod)
			tt.crash(r, pod)
			if tt.down {
				r.sim.SetFaults(simulator.Faults{OutageUntil: time.Now().Add(time.Hour)})
			}
			r.newTerm()
			if err := r.p.Rebuild(r.ctx); err != nil {
				t.Fatal(err)
			}
			// virtual-kubelet then calls CreatePod for every pod GetPod does not know.
			if _, err := r.p.GetPod(r.ctx, "default", pod.Name); err != nil || tt.down {
				_ = r.p.CreatePod(r.ctx, pod)
			}
			r.rounds(2)
			if tt.down {
				if got := r.count(routeCreate); got != tt.posts {
					t.Fatalf("created during the outage: %d POSTs", got)
				}
				r.sim.SetFaults(simulator.Faults{})
			}
			assertOnePod(t, r, pod.Name, tt.posts)
			_ = r.p.CreatePod(r.ctx, pod) // again, as after any GetPod error
			r.rounds(2)
			assertOnePod(t, r, pod.Name, tt.posts)
		})
	}
}

func TestCrashAfterAnnotationPatchIsAdoptedByAnnotation(t *testing.T) {
	pod := gpuPod("crash-b", 1, nil)
	r := newRig(t, nil, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("term 1 recorded the pod id", func() bool { return r.kubePod(pod.Name).Annotations[AnnotationPodID] != "" })

	r.sim.SetFaults(simulator.Faults{OutageUntil: time.Now().Add(time.Hour)})
	r.newTerm()
	if err := r.p.Rebuild(r.ctx); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(r.health.last(), runpodapi.ErrTransient) {
		t.Errorf("health saw %v after a Rebuild in an outage, want the outage", r.health.last())
	}
	got, err := r.p.GetPod(r.ctx, "default", pod.Name)
	if err != nil {
		t.Fatalf("GetPod after a Rebuild in an outage: %v; the annotation must be enough", err)
	}
	if got.Status.Phase == corev1.PodFailed {
		t.Errorf("adopted pod reported %s", got.Status.Phase)
	}
	_ = r.p.CreatePod(r.ctx, pod)
	r.rounds(3)
	if n := r.count(routeCreate); n != 1 {
		t.Fatalf("%d POSTs during the outage, want term 1's only", n)
	}
	r.sim.SetFaults(simulator.Faults{})
	assertOnePod(t, r, pod.Name, 1)
}

func TestCreateThen500IsAdopted(t *testing.T) {
	pod := gpuPod("then500", 1, nil)
	r := newRig(t, nil, pod)
	r.sim.SetFaults(simulator.Faults{CreateThen500: 1})
	_ = r.p.CreatePod(r.ctx, pod)
	assertOnePod(t, r, pod.Name, 1)
	if r.sim.CurrentFaults().CreateThen500 != 0 {
		t.Fatal("the 500 fault was never hit")
	}
}

func TestCreateConnectionReset(t *testing.T) {
	tests := []struct {
		name   string
		inject func(r *rig)
		posts  int64 // the reset one included
	}{
		{"request reset before RunPod read it", func(r *rig) {
			r.sim.SetFaults(simulator.Faults{ResetRate: 1})
			go func() { // clear the fault once the create was sent, from outside the provider
				for r.count(routeCreate) == 0 {
					time.Sleep(time.Millisecond)
				}
				r.sim.SetFaults(simulator.Faults{})
			}()
		}, 2},
		{"answer lost after the pod was made", func(r *rig) { r.loseCreates.Store(1) }, 1},
		{"answer lost and the lookup fails too", func(r *rig) {
			r.loseCreates.Store(1)
			r.failLists.Store(true)
			go func() { // RunPod answers lists again once the pod waits: never a blind second POST
				for r.waitingReason("reset") != ReasonCreateErr {
					time.Sleep(time.Millisecond)
				}
				r.failLists.Store(false)
			}()
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := gpuPod("reset", 0, nil) // CPU: after Rebuild's list and a cached catalog the POST is the first request
			r := newRig(t, nil, pod)
			if err := r.p.Rebuild(r.ctx); err != nil {
				t.Fatal(err)
			}
			if _, _, err := r.p.catalog.get(r.ctx, policy.CatalogQuery{CPU: true}); err != nil {
				t.Fatal(err)
			}
			tt.inject(r)
			_ = r.p.CreatePod(r.ctx, pod)
			r.eventually("a RunPod pod", func() bool { return len(r.sim.Pods()) > 0 })
			assertOnePod(t, r, pod.Name, tt.posts)
			if r.loseCreates.Load() != 0 {
				t.Fatal("no answer was lost")
			}
		})
	}
}

func TestDeleteDuringSlowCreateLeavesNothing(t *testing.T) {
	tests := []struct {
		name string
		slow func(r *rig)
	}{
		{"RunPod slow to read the request", func(r *rig) { r.sim.SetFaults(simulator.Faults{Latency: 300 * time.Millisecond}) }},
		{"RunPod made the pod, answer slow", func(r *rig) { r.slowCreates.Store(int64(300 * time.Millisecond)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := gpuPod("slow", 0, nil)
			r := newRig(t, nil, pod)
			if err := r.p.Rebuild(r.ctx); err != nil {
				t.Fatal(err)
			}
			tt.slow(r)
			_ = r.p.CreatePod(r.ctx, pod)
			waitForPOST(t, r, 1)
			if err := r.p.DeletePod(r.ctx, pod); err != nil { // the POST is in flight
				t.Fatal(err)
			}
			if pods := r.sim.Pods(); len(pods) != 0 {
				t.Fatalf("DeletePod returned with %d RunPod pod(s) left: %s", len(pods), pods[0].ID)
			}
			if st, _ := r.status(pod.Name); st.ContainerStatuses[0].State.Terminated == nil {
				t.Errorf("status after delete: %+v, want terminated", st.ContainerStatuses[0].State)
			}
			r.sim.SetFaults(simulator.Faults{})
			r.slowCreates.Store(0)
			r.deleteKubePod(pod.Name)
			r.rounds(3)
			r.advance(time.Minute)
			r.rounds(3)
			if n, posts := len(r.sim.Pods()), r.count(routeCreate); n != 0 || posts != 1 {
				t.Fatalf("%d RunPod pods and %d POSTs after the rounds, want 0 and 1", n, posts)
			}
		})
	}
}

func TestNewPodOfTheSameNameDuringCreate(t *testing.T) {
	old := gpuPod("reused", 0, nil)
	r := newRig(t, nil, old)
	if err := r.p.Rebuild(r.ctx); err != nil {
		t.Fatal(err)
	}
	r.slowCreates.Store(int64(200 * time.Millisecond))
	_ = r.p.CreatePod(r.ctx, old)
	waitForPOST(t, r, 1)

	// The old pod is deleted and a new one of the same name (a StatefulSet
	// replica, say) arrives while the old pod's create is still in flight.
	r.deleteKubePod(old.Name)
	replacement := old.DeepCopy()
	replacement.UID = uidOf("reused-2")
	if _, err := r.kube.CoreV1().Pods("default").Create(r.ctx, replacement, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_ = r.p.CreatePod(r.ctx, replacement)
	r.eventually("the replacement running", func() bool {
		st, _ := r.status(replacement.Name)
		return st.Phase == corev1.PodRunning && len(r.sim.Pods()) == 1
	})
	want := mustName(t, testCluster, testNode, "reused-2")
	if pods := r.sim.Pods(); len(pods) != 1 || pods[0].Name != want {
		t.Fatalf("RunPod pods %v, want only %s", pods, want)
	}
	if n := r.count(routeCreate); n != 2 {
		t.Errorf("%d POSTs, want 2 (one per pod)", n)
	}
}

func waitForPOST(t *testing.T, r *rig, n int64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); r.count(routeCreate) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the create was never sent")
		}
	}
}

func TestCreatePodForAdoptedPodDoesNothing(t *testing.T) {
	pod := gpuPod("adopted", 1, nil)
	r := newRig(t, nil)
	rp := r.seedFor(pod, testCluster, testNode)
	stored := withPodID(pod, rp.ID)
	if _, err := r.kube.CoreV1().Pods("default").Create(r.ctx, stored, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("the informer", func() bool { _, err := r.podLister.Pods("default").Get(pod.Name); return err == nil })
	if err := r.p.Rebuild(r.ctx); err != nil {
		t.Fatal(err)
	}
	pushes := r.pushCount()
	for range 3 {
		if err := r.p.CreatePod(r.ctx, stored); err != nil {
			t.Fatal(err)
		}
	}
	if r.pushCount() != pushes {
		t.Errorf("CreatePod of a tracked pod pushed a status")
	}
	time.Sleep(50 * time.Millisecond) // a create worker, if one were started, would have posted by now
	assertOnePod(t, r, pod.Name, 0)
	if got, err := r.p.GetPod(r.ctx, "default", pod.Name); err != nil || got.Status.ContainerStatuses[0].ContainerID != "runpod://"+rp.ID {
		t.Errorf("GetPod = %+v, %v; want the adopted RunPod pod %s", got, err, rp.ID)
	}
}
