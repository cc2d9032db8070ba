package podsync

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// DeletePod terminates the pod's RunPod pod (DELETE, not stop: billing ends)
// and pushes a terminal status. A 404 means it is already gone. An error
// makes virtual-kubelet call again, so a RunPod outage delays, never loses, a
// delete. RunPod has no preStop hook, so the grace period is not waited for.
func (p *Provider) DeletePod(ctx context.Context, pod *corev1.Pod) error {
	key := podKey(pod)
	var entry *tracked
	var done chan struct{}
	var id string
	var posted bool
	known := p.tr.get(key, func(t *tracked) {
		if t.uid() != pod.UID {
			return
		}
		t.deleted = true
		if t.cancel != nil {
			t.cancel() // stops waits and retries; a create request in flight still finishes
		}
		entry, done, id = t, t.done, t.runpodID
	})
	if done != nil {
		select { // let an in-flight create finish: it deletes what it made
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("delete %s: wait for its create to stop: %w", key, ctx.Err())
		}
		p.tr.with(func(map[string]*tracked) { id, posted = entry.runpodID, entry.posted })
	}
	if id == "" {
		id = ReadState(pod.Annotations).RunPodID
	}
	if id == "" {
		// An uncertain create may have made it under our name; the last list
		// predates a create sent in this term, so list afresh then.
		if name, err := policy.Name(p.s.ClusterID, p.s.NodeName, string(pod.UID)); err == nil {
			found, err := p.lookupName(ctx, name, posted)
			if err != nil && posted {
				return fmt.Errorf("delete %s: look up the RunPod pod its create may have made: %w", key, err)
			}
			if found != nil {
				id = found.ID
			}
		}
	}
	if id != "" {
		if err := p.deleteRunPod(ctx, id); err != nil {
			return fmt.Errorf("delete RunPod pod %s of %s: %w", id, key, err)
		}
		p.metrics.Count(OpDelete)
		p.event(pod, corev1.EventTypeNormal, EventDeleted, "deleted RunPod pod %s; billing stopped", id)
	}
	var push *corev1.Pod
	if known {
		p.tr.get(key, func(t *tracked) {
			if t.uid() != pod.UID {
				return
			}
			st := p.buildStatus(t, pod)
			t.status = st
			push = p.forPush(t, st)
		})
	} else {
		t := &tracked{pod: pod, deleted: true}
		push = withStatus(pod, p.buildStatus(t, pod))
	}
	if push != nil {
		p.push(push)
	}
	return nil
}

// deleteRunPod terminates a RunPod pod; already gone counts as done.
func (p *Provider) deleteRunPod(ctx context.Context, id string) error {
	err := p.rp.DeletePod(ctx, id)
	if p.health != nil {
		p.health.ObserveRunPod(ignoreRefusals(err), p.now())
	}
	if err == nil || errors.Is(err, runpodapi.ErrNotFound) {
		return nil
	}
	return err
}
