package podsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// A pod deleted while its container runs stops like on a kubelet: RunPod's
// stop sends the container SIGTERM (the wrapper forwards it to the command,
// so a trainer can save a checkpoint), and the DELETE that ends billing
// waits until RunPod shows the pod EXITED or the pod's grace period passes
// (at most maxStopGrace). A preStop exec hook cannot run — RunPod has no exec
// into a pod — and the pod gets a Warning that says so.

// maxStopGrace bounds how long a stopping pod may keep billing.
const maxStopGrace = 5 * time.Minute

// EventPreStopNotRun says a preStop hook was skipped.
const EventPreStopNotRun = "RunPodPreStopNotRun"

// stopFirst stops t's running RunPod pod id and queues its graceful
// delete; it reports false when the pod should be deleted at once.
func (p *Provider) stopFirst(ctx context.Context, pod *corev1.Pod, t *tracked, id string) (bool, error) {
	var status runpodapi.PodStatus
	var c *corev1.Container
	p.tr.with(func(map[string]*tracked) {
		if t.runpod != nil {
			status = t.runpod.Status
		}
		c = containerNamed(t.pod, t.container)
	})
	grace := gracePeriod(pod)
	if grace <= 0 || (status != runpodapi.StatusRunning && status != runpodapi.StatusStarting) {
		return false, nil
	}
	if c != nil && c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		p.event(pod, corev1.EventTypeWarning, EventPreStopNotRun,
			"the preStop hook of container %q was not run: RunPod offers no exec into a pod; the command gets SIGTERM instead", c.Name)
	}
	_, err := p.rp.PodAction(ctx, id, runpodapi.ActionStop)
	if p.health != nil {
		p.health.ObserveRunPod(ignoreRefusals(err), p.now())
	}
	switch {
	case errors.Is(err, runpodapi.ErrConflict), errors.Is(err, runpodapi.ErrNotFound), errors.Is(err, runpodapi.ErrLocked):
		return false, nil // not stoppable now (gone, or locked: the delete says so): delete it at once
	case err != nil:
		return false, fmt.Errorf("stop RunPod pod %s before deleting it: %w", id, err)
	}
	until := p.now().Add(grace)
	p.tr.with(func(map[string]*tracked) { t.stopping = true })
	p.q.deletes.AddAfter(deletion{id: id, key: podKey(pod), uid: pod.UID, reason: "the pod was deleted", until: until.UnixMilli()}, time.Second)
	p.event(pod, corev1.EventTypeNormal, EventStopping, "stopped RunPod pod %s (SIGTERM to its command); deleting it once it exits, or in %s", id, grace)
	p.kick()
	return true, nil
}

// stillStopping reports whether a graceful delete must wait on: its grace
// has not passed and no listing has shown the pod stopped yet.
func (p *Provider) stillStopping(d deletion) bool {
	if d.until == 0 || !p.now().Before(time.UnixMilli(d.until)) {
		return false
	}
	waiting := false
	p.tr.get(d.key, func(t *tracked) {
		waiting = t.uid() == d.uid && t.runpod != nil && t.runpod.ID == d.id && !stopped(t.runpod.Status)
	})
	return waiting
}

// gracePeriod is how long the pod's container may take to stop.
func gracePeriod(pod *corev1.Pod) time.Duration {
	var s int64 = corev1.DefaultTerminationGracePeriodSeconds
	switch {
	case pod.DeletionGracePeriodSeconds != nil:
		s = *pod.DeletionGracePeriodSeconds
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		s = *pod.Spec.TerminationGracePeriodSeconds
	}
	return min(time.Duration(s)*time.Second, maxStopGrace)
}

func containerNamed(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}
