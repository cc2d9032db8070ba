package podsync

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// EventDeadlineExceeded is the kubelet's own reason for a pod past its
// activeDeadlineSeconds.
const EventDeadlineExceeded = "DeadlineExceeded"

// checkDeadline ends a pod whose activeDeadlineSeconds, counted from its
// start time, has passed, like a kubelet: Failed with reason
// DeadlineExceeded, and its RunPod pod terminated. The caller holds the lock.
func (p *Provider) checkDeadline(t *tracked, cur *corev1.Pod, now time.Time, w *roundWork) bool {
	ads := cur.Spec.ActiveDeadlineSeconds
	start := cur.Status.StartTime
	if ads == nil || start == nil || t.terminal || now.Sub(start.Time) < time.Duration(*ads)*time.Second {
		return false
	}
	t.terminal, t.deadlineExceeded, t.endedAt = true, true, now
	if t.cancel != nil {
		t.cancel() // a create still waiting gives up; one in flight deletes what it makes
	}
	w.event(t.pod, corev1.EventTypeWarning, EventDeadlineExceeded, "Pod was active on the node longer than the specified deadline (%ds); terminating its RunPod pod", *ads)
	if t.runpodID != "" {
		w.deletes = append(w.deletes, deletionOf(t, t.runpodID, "the pod's activeDeadlineSeconds passed"))
	}
	return true
}
