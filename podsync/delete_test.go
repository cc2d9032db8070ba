package podsync

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// forceDeleted is pod as `kubectl delete --grace-period=0` leaves it: no
// grace, so its RunPod pod is deleted at once (graceful: stop_test).
func forceDeleted(pod *corev1.Pod) *corev1.Pod {
	out := pod.DeepCopy()
	out.DeletionGracePeriodSeconds = new(int64(0))
	return out
}

func TestDeletePodTerminatesNotStops(t *testing.T) {
	tests := []struct {
		name      string
		goneFirst bool // the RunPod pod was terminated outside runpod-kubelet: DELETE answers 404
	}{
		{"running pod", false},
		{"already gone (404)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := gpuPod("del", 1, nil)
			r := newRig(t, nil, pod)
			_ = r.p.CreatePod(r.ctx, pod)
			r.eventually("running", func() bool { st, _ := r.status(pod.Name); return st.Phase == corev1.PodRunning })
			id := r.sim.Pods()[0].ID
			if tt.goneFirst {
				if err := r.sim.SetStatus(id, runpodapi.StatusTerminated); err != nil {
					t.Fatal(err)
				}
			}
			r.sim.ResetCounters()
			if err := r.p.DeletePod(r.ctx, forceDeleted(pod)); err != nil {
				t.Fatalf("DeletePod: %v", err)
			}
			c := r.sim.Counters()
			if c[routeDelete] != 1 || c[routeAction] != 0 {
				t.Errorf("calls %v, want one %s and no action (stop keeps billing the disk)", c, routeDelete)
			}
			if len(r.sim.Pods()) != 0 {
				t.Errorf("RunPod pod still there after DeletePod")
			}
			st, _ := r.status(pod.Name)
			if cs := st.ContainerStatuses[0]; cs.State.Terminated == nil || cs.State.Terminated.Reason != StatusReasonRunPodPodDeleted {
				t.Errorf("pushed container state %+v, want terminated %s", cs.State, StatusReasonRunPodPodDeleted)
			}
			// virtual-kubelet may call again; the pod is gone by now and that is fine.
			if err := r.p.DeletePod(r.ctx, forceDeleted(pod)); err != nil {
				t.Errorf("second DeletePod: %v", err)
			}
		})
	}
}

func TestDeleteUntrackedPodUsesItsAnnotation(t *testing.T) {
	// A pod deleted right after a failover, before Rebuild saw it: the annotation names its RunPod pod.
	pod := gpuPod("untracked", 1, nil)
	r := newRig(t, nil)
	rp := r.seedFor(pod, testCluster, testNode)
	if err := r.p.DeletePod(r.ctx, withPodID(pod, rp.ID)); err != nil {
		t.Fatal(err)
	}
	if n := len(r.sim.Pods()); n != 0 || r.count(routeDelete) != 1 {
		t.Fatalf("%d RunPod pods left, %d DELETEs; want 0 and 1", n, r.count(routeDelete))
	}
}

func TestForceDeletedPodIsConfirmedBeforeItsRunPodPodGoes(t *testing.T) {
	pod := gpuPod("forced", 1, nil)
	r := newRig(t, nil, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running", func() bool { st, _ := r.status(pod.Name); return st.Phase == corev1.PodRunning })

	// An informer that lags (or is not synced yet) must not make the round
	// delete a live pod's RunPod pod: the API server still has it.
	r.p.Attach(r.listers(emptyPodLister{}))
	r.rounds(3)
	if n := len(r.sim.Pods()); n != 1 || r.count(routeDelete) != 0 {
		t.Fatalf("a pod missing only from the informer lost its RunPod pod (%d left, %d DELETEs)", n, r.count(routeDelete))
	}
	r.p.Attach(r.listers(r.podLister))

	// Force-deleted: no DeletePod call comes; the round must end the billing.
	r.deleteKubePod(pod.Name)
	r.eventually("the RunPod pod deleted", func() bool { return len(r.sim.Pods()) == 0 })
	if got := r.count(routeDelete); got != 1 {
		t.Errorf("%d DELETEs, want 1", got)
	}
	if _, err := r.p.GetPod(r.ctx, "default", pod.Name); err == nil {
		t.Error("a force-deleted pod is still tracked")
	}
}
