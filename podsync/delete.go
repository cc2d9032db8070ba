package podsync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// DeletePod terminates the pod's RunPod pod (DELETE, not stop: billing ends)
// and pushes a terminal status. A 404 means it is already gone. An error
// makes virtual-kubelet call again, so a RunPod outage delays, never loses, a
// delete. A container still running is stopped first and given the pod's
// grace period (stop.go).
//
// Only a RunPod pod proven to be this pod's is deleted: the tracked id, or
// the annotated one once a listing or GET shows it is ours. When RunPod
// cannot say, the delete is retried, never done blind.
func (p *Provider) DeletePod(ctx context.Context, pod *corev1.Pod) error {
	key := podKey(pod)
	var entry *tracked
	var done chan struct{}
	var id, claim string
	var posted, rejected, locked bool
	known := p.tr.get(key, func(t *tracked) {
		if t.uid() != pod.UID {
			return
		}
		t.deleted = true
		if t.cancel != nil {
			t.cancel() // stops waits and retries; a create request in flight still finishes
		}
		entry, done, id, claim, rejected, locked = t, t.done, t.runpodID, t.claim, t.rejected != nil, t.lockedDelete
	})
	if done != nil {
		select { // let an in-flight create finish: it deletes what it made
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("delete %s: wait for its create to stop: %w", key, ctx.Err())
		}
		p.tr.with(func(map[string]*tracked) { id, posted = entry.runpodID, entry.posted })
	}
	if entry == nil {
		claim = ReadState(pod.Annotations).RunPodID
	}
	if id == "" && !rejected { // a pod rejected at admission never had a RunPod call
		var err error
		if id, err = p.ownedIDToDelete(ctx, pod, claim, posted); err != nil {
			return fmt.Errorf("delete %s: %w", key, err)
		}
	}
	if locked {
		id = "" // RunPod refused it as locked: the deletes queue owns it now, virtual-kubelet's calls add nothing
	}
	if id != "" && entry != nil {
		if stopping, err := p.stopFirst(ctx, pod, entry, id); err != nil || stopping {
			return err // the deletes queue deletes it once it exited, or its grace passed
		}
	}
	if id != "" {
		err := p.deleteRunPod(ctx, id)
		switch {
		case errors.Is(err, runpodapi.ErrLocked):
			p.lockedDelete(pod, deletion{id: id, key: key, uid: pod.UID, reason: "the pod was deleted"})
		case err != nil:
			return fmt.Errorf("delete RunPod pod %s of %s: %w", id, key, err)
		default:
			p.metrics.Count(OpDelete)
			p.event(pod, corev1.EventTypeNormal, EventDeleted, "deleted RunPod pod %s; billing stopped", id)
		}
	}
	var push *corev1.Pod
	if known {
		p.tr.get(key, func(t *tracked) {
			if t.uid() == pod.UID {
				push = p.statusUpdate(t, pod, true)
			}
		})
	} else {
		push = p.statusUpdate(&tracked{pod: keepPod(pod), deleted: true}, pod, true)
	}
	if push != nil {
		p.push(push)
	}
	return nil
}

// ownedIDToDelete finds the RunPod pod of a pod with no proven id: its
// annotated claim once proven ours, else one of its name. posted says a
// create was sent in this term, so the last listing may predate it: then
// only a fresh, complete listing can say there is none.
func (p *Provider) ownedIDToDelete(ctx context.Context, pod *corev1.Pod, claim string, posted bool) (string, error) {
	p.mu.Lock()
	last := p.lastList
	p.mu.Unlock()
	if claim != "" {
		res, rp := p.proveIn(last, claim, pod.UID)
		if res == proofUnknown {
			var err error
			if res, rp, err = p.prove(ctx, claim, pod.UID); err != nil {
				return "", fmt.Errorf("prove that annotated RunPod pod %s is this pod's before deleting it: %w", claim, err)
			}
		}
		switch res {
		case proofOurs:
			return claim, nil
		case proofNotOurs:
			p.forgedEvent(pod, claim, rp)
		}
	}
	if !posted {
		if last != nil { // no create was sent: what a listing already holds is enough, GC covers the rest
			if rp := p.ownPodIn(last, pod.UID); rp != nil {
				return rp.ID, nil
			}
		}
		return "", nil
	}
	found, err := p.lookupName(ctx, pod.UID, true)
	if err != nil {
		return "", fmt.Errorf("look up the RunPod pod its create may have made: %w", err)
	}
	if found != nil {
		return found.ID, nil
	}
	return "", nil
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

// deletionOf is the deletes-queue item that terminates t's RunPod pod id.
func deletionOf(t *tracked, id, reason string) deletion {
	return deletion{id: id, key: podKey(t.pod), uid: t.uid(), reason: reason}
}

// deleteOnce is one attempt of the deletes queue: terminate the RunPod pod
// a round ended; a failure retries with back-off.
func (p *Provider) deleteOnce(ctx context.Context, d deletion) {
	if p.stillStopping(d) {
		p.q.deletes.AddAfter(d, time.Second) // the rounds' listings show when it exited
		return
	}
	if err := p.deleteRunPod(ctx, d.id); err != nil {
		if errors.Is(err, runpodapi.ErrLocked) {
			p.q.deletes.Forget(d)
			p.q.deletes.AddAfter(d, lockedRetry) // the user locked it: no back-off loop, a slow look
			return
		}
		p.log.Warn("delete RunPod pod; retrying with back-off", "runpodID", d.id, "pod", d.key, "why", d.reason, "err", err)
		p.q.deletes.AddRateLimited(d)
		return
	}
	p.q.deletes.Forget(d)
	p.metrics.Count(OpDelete)
	p.log.Info("deleted RunPod pod", "runpodID", d.id, "pod", d.key, "why", d.reason)
	namespace, name, _ := strings.Cut(d.key, "/")
	ref := &corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: namespace, Name: name, UID: d.uid}
	p.event(ref, corev1.EventTypeNormal, EventDeleted, "deleted RunPod pod %s: %s", d.id, d.reason)
	var push *corev1.Pod
	p.tr.get(d.key, func(t *tracked) {
		if t.uid() != d.uid {
			return
		}
		t.runpodDeleted = true
		if d.until != 0 { // a graceful delete ends here: the pod may go now
			t.stopping = false
			push = p.statusUpdate(t, p.currentPod(t.pod), true)
		}
	})
	if push != nil {
		p.push(push)
	}
}

// lockedRetry is how often a locked RunPod pod's delete is tried again:
// RunPod refuses it until someone unlocks the pod.
const lockedRetry = time.Minute

// lockedDelete says why a deleted pod's RunPod pod keeps running (and
// billing) and hands the delete to the deletes queue, which tries again
// every lockedRetry; if this term ends first, orphan GC takes over once the
// pod is unlocked.
func (p *Provider) lockedDelete(pod *corev1.Pod, d deletion) {
	p.event(pod, corev1.EventTypeWarning, EventLocked,
		"RunPod pod %s is locked: RunPod refuses to stop or delete it, and it bills until it is unlocked (PATCH locked=false or the RunPod console); runpod-kubelet tries again every %s",
		d.id, lockedRetry)
	p.log.Warn("RunPod pod is locked; its delete waits for an unlock", "runpodID", d.id, "pod", d.key)
	p.tr.get(d.key, func(t *tracked) {
		if t.uid() == d.uid {
			t.lockedDelete = true
		}
	})
	p.q.deletes.AddAfter(d, lockedRetry)
}
