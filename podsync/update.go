package podsync

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// A pod's image may change (`kubectl set image`); nothing else of a running
// pod's spec can. The updates queue applies it with PATCH /v2/pods/{id},
// which makes RunPod restart the pod with the new image: the container's
// restartCount grows, and the status always reports the image RunPod runs.

// EventImageUpdated says RunPod was told to run a new image.
const EventImageUpdated = "RunPodImageUpdated"

// imageChanged reports whether pod asks its running container for an image
// its RunPod pod does not run. The caller holds the lock.
func imageChanged(t *tracked, pod *corev1.Pod) bool {
	c := containerNamed(pod, t.container)
	return c != nil && t.runpod != nil && t.runpodID != "" && !t.terminal && !t.deleted && c.Image != "" && c.Image != t.runpod.Image
}

// updateOnce is one attempt of the updates queue: PATCH key's RunPod pod to
// the image its spec asks for.
func (p *Provider) updateOnce(ctx context.Context, key string) {
	var id, from, to string
	var pod *corev1.Pod
	p.tr.get(key, func(t *tracked) {
		if imageChanged(t, t.pod) {
			id, from, to, pod = t.runpodID, t.runpod.Image, containerNamed(t.pod, t.container).Image, t.pod
		}
	})
	if pod == nil {
		p.q.updates.Forget(key)
		return
	}
	rp, err := p.rp.UpdatePod(ctx, id, runpodapi.UpdatePodRequest{Image: &to})
	if p.health != nil {
		p.health.ObserveRunPod(ignoreRefusals(err), p.now())
	}
	if err != nil {
		p.log.Info("update RunPod pod's image; will retry with back-off", "pod", key, "runpodID", id, "err", err)
		p.event(pod, corev1.EventTypeWarning, EventImageUpdated, "could not change the image of RunPod pod %s to %s, retrying: %v", id, to, err)
		p.q.updates.AddRateLimited(key)
		return
	}
	p.q.updates.Forget(key)
	now := p.now()
	p.tr.get(key, func(t *tracked) {
		if t.runpodID != id {
			return
		}
		t.lastTerm = &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "ImageChanged",
			Message: fmt.Sprintf("restarted by RunPod to run %s instead of %s", to, from), FinishedAt: metav1.NewTime(now)}
		if t.runpod.StartedAt != nil {
			t.lastTerm.StartedAt = metav1.NewTime(*t.runpod.StartedAt)
		}
		t.restarts++
		t.runpod, t.startedAt, t.exit, t.runningAt = rp, now, nil, now
	})
	p.event(pod, corev1.EventTypeNormal, EventImageUpdated, "changed the image of RunPod pod %s from %s to %s; RunPod restarts it", id, from, to)
	p.kick()
}
