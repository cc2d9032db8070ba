package podsync

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// forgedPod is team-b's pod naming team-a's RunPod pod in its annotation,
// refused for another annotation so that nothing of its own is made.
func forgedPod(victimID string) *corev1.Pod {
	pod := gpuPod("forged", 1, map[string]string{AnnotationPodID: victimID, "runpod.io/required-gpu-memory": "lots"})
	pod.Namespace = "team-b"
	return pod
}

func TestForgedPodIDIsNeverDeleted(t *testing.T) {
	victim := gpuPod("victim", 1, nil)
	r := newRig(t, nil, victim)
	_ = r.p.CreatePod(r.ctx, victim)
	r.eventually("victim running", func() bool { return phaseOf(r, "victim") == corev1.PodRunning })
	victimID := r.sim.Pods()[0].ID

	forged := forgedPod(victimID)
	_ = r.p.CreatePod(r.ctx, forged)
	r.rounds(2)
	if err := r.p.DeletePod(r.ctx, forged); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.sim.Pod(victimID); !ok || r.count(routeDelete) != 0 {
		t.Fatalf("deleting the forged pod deleted the victim's RunPod pod %s (%d DELETEs)", victimID, r.count(routeDelete))
	}
	if !r.sawEvent(EventForeignPodID, AnnotationPodID, victimID) {
		t.Errorf("no %s Warning naming the annotation", EventForeignPodID)
	}
}

// An untracked pod being deleted with an annotated id RunPod cannot vouch
// for (unreachable) is not deleted blind: DeletePod fails and is retried.
func TestDeleteWaitsWhenOwnershipCannotBeChecked(t *testing.T) {
	victim := gpuPod("victim", 1, nil)
	r := newRig(t, nil, victim)
	_ = r.p.CreatePod(r.ctx, victim)
	r.eventually("victim running", func() bool { return phaseOf(r, "victim") == corev1.PodRunning })
	victimID := r.sim.Pods()[0].ID
	r.newTerm() // the new term has no listing yet
	r.sim.SetFaults(simulator.Faults{OutageUntil: time.Now().Add(time.Hour)})
	if err := r.p.DeletePod(r.ctx, forgedPod(victimID)); err == nil {
		t.Fatal("DeletePod succeeded without proving whose RunPod pod it is")
	}
	r.sim.SetFaults(simulator.Faults{})
	if err := r.p.DeletePod(r.ctx, forgedPod(victimID)); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.sim.Pod(victimID); !ok {
		t.Fatalf("the victim's RunPod pod %s was deleted", victimID)
	}
}

// At a new term, a forged annotation is not adopted: the forged pod's logs
// are not the victim's, and the victim keeps its own RunPod pod.
func TestRebuildIgnoresAForgedPodID(t *testing.T) {
	victim := gpuPod("victim", 1, nil)
	r := newRigWith(t, rigConfig{writeStatus: true}, victim)
	_ = r.p.CreatePod(r.ctx, victim)
	r.eventually("victim running", func() bool { return phaseOf(r, "victim") == corev1.PodRunning })
	victimID := r.sim.Pods()[0].ID
	forged := forgedPod(victimID)
	if _, err := r.kube.CoreV1().Pods("team-b").Create(r.ctx, forged, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("the informer", func() bool { _, err := r.podLister.Pods("team-b").Get("forged"); return err == nil })

	r.newTerm()
	if err := r.p.Rebuild(r.ctx); err != nil {
		t.Fatal(err)
	}
	if !r.sawEvent(EventForeignPodID, victimID) {
		t.Errorf("no %s Warning at Rebuild", EventForeignPodID)
	}
	r.p.tr.with(func(m map[string]*tracked) {
		if tr := m["team-b/forged"]; tr != nil && (tr.runpodID != "" || tr.claim != "") {
			t.Errorf("forged pod tracked with id %q claim %q, want neither", tr.runpodID, tr.claim)
		}
		if tr := m["default/victim"]; tr == nil || tr.runpodID != victimID {
			t.Errorf("the victim is not adopted with its own RunPod pod")
		}
	})
	if rc, err := r.p.GetContainerLogs(r.ctx, "team-b", "forged", "", api.ContainerLogOpts{Tail: 5}); err == nil {
		b, _ := io.ReadAll(rc)
		t.Errorf("the forged pod serves logs: %q", b)
	}
}

// A claim RunPod could not check at Rebuild (down) is proven by the first
// listing and only then acted on.
func TestClaimIsProvenBeforeItIsUsed(t *testing.T) {
	pod := gpuPod("claimed", 1, nil)
	r := newRigWith(t, rigConfig{writeStatus: true}, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running and annotated", func() bool {
		return phaseOf(r, "claimed") == corev1.PodRunning && r.kubePod("claimed").Annotations[AnnotationPodID] != ""
	})
	id := r.sim.Pods()[0].ID
	r.sim.SetFaults(simulator.Faults{OutageUntil: time.Now().Add(time.Hour)})
	r.newTerm()
	if err := r.p.Rebuild(r.ctx); err != nil {
		t.Fatal(err)
	}
	r.p.tr.with(func(m map[string]*tracked) {
		if tr := m["default/claimed"]; tr == nil || tr.claim != id || tr.runpodID != "" {
			t.Fatalf("want an unproven claim of %s after Rebuild with RunPod down, got %+v", id, tr)
		}
	})
	_, err := r.p.GetContainerLogs(r.ctx, "default", "claimed", "", api.ContainerLogOpts{Tail: 5})
	if err == nil || !strings.Contains(err.Error(), "not proven") {
		t.Errorf("logs of an unproven claim: err %v, want a refusal saying it is not proven", err)
	}
	r.sim.SetFaults(simulator.Faults{})
	r.rounds(1)
	r.p.tr.with(func(m map[string]*tracked) {
		if tr := m["default/claimed"]; tr.runpodID != id {
			t.Errorf("after a listing the claim is still unproven: %+v", tr)
		}
	})
	if ph := phaseOf(r, "claimed"); ph != corev1.PodRunning {
		t.Errorf("phase %s, want Running", ph)
	}
}
