package podsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// createResult is how one create attempt ended.
type createResult struct {
	pod     *runpodapi.Pod // created or adopted
	adopted bool
	plan    *policy.PlacementPlan
	waiting *WaitingReason // held back
	retry   retryKind      // when to try again
	after   time.Duration  // with retryAfter
}

// retryKind says how a held-back create is queued again.
type retryKind int

const (
	retryNever   retryKind = iota // created, or refused: only a change to the pod plans it again
	retryBackoff                  // RunPod said no for now: exponential back-off
	retryAfter                    // a known wait (the spend cap, a takeover's hold)
)

// startCreate queues key's create; the creates queue runs one at a time per pod.
func (p *Provider) startCreate(key string) { p.q.creates.Add(key) }

// createOnce is one create attempt of the creates queue for key. The attempt
// holds its entry, not the key: the key may be dropped or taken by a new pod
// of the same name while it runs.
func (p *Provider) createOnce(term context.Context, key string) {
	var ctx context.Context
	var t *tracked
	var pod *corev1.Pod
	p.tr.get(key, func(cur *tracked) {
		if cur.creating || cur.runpodID != "" || cur.claim != "" || cur.deleted || cur.terminal {
			return
		}
		ctx, cur.cancel = context.WithCancel(term)
		cur.creating, cur.done = true, make(chan struct{})
		t, pod = cur, cur.pod.DeepCopy()
	})
	if t == nil {
		p.q.creates.Forget(key) // created, adopted, ended or gone meanwhile
		return
	}
	defer close(t.done)
	p.finishCreate(key, t, p.tryCreate(ctx, pod))
}

// finishCreate records a create attempt's outcome, pushes the new status and
// queues the next attempt. A RunPod pod made for an entry that was deleted,
// dropped or replaced meanwhile is deleted at once: nothing else would stop
// its billing before GC.
func (p *Provider) finishCreate(key string, t *tracked, res createResult) {
	var push *corev1.Pod
	var orphan string
	p.tr.with(func(m map[string]*tracked) {
		t.creating, t.cancel, t.reserved = false, nil, 0
		if res.pod != nil && (t.deleted || m[key] != t) {
			orphan = res.pod.ID
			return
		}
		if m[key] != t || t.deleted {
			return
		}
		if res.pod != nil {
			t.runpodID, t.runpod, t.waiting, t.missingSince, t.claim = res.pod.ID, res.pod, nil, time.Time{}, ""
			t.createdAt, t.provisioning = p.now(), !res.adopted
			if res.plan != nil {
				t.container, t.unwrapped = containerFromPlan(t.pod, res.plan), res.plan.Launch.Unwrapped
				t.noSSH = !res.plan.SSH
			}
		} else if res.waiting != nil {
			t.waiting = res.waiting
		}
		push = p.statusUpdate(t, p.currentPod(t.pod), true)
	})
	if orphan != "" {
		if err := p.deleteRunPod(context.Background(), orphan); err != nil {
			p.log.Warn("delete RunPod pod created for a deleted pod; GC will retry", "runpodID", orphan, "err", err)
		}
		return
	}
	p.scheduleCreate(key, res)
	if push != nil {
		p.push(push)
	}
	if res.pod != nil && push != nil {
		if res.adopted {
			p.metrics.Count(OpAdopt)
		} else {
			p.metrics.Count(OpCreate)
		}
		p.record(key)
	}
	if res.pod != nil {
		p.wake() // in transition now: the cadence reads it when it may be running (provisioning.go)
	} else {
		p.kick()
	}
}

// scheduleCreate queues the next attempt as res asks.
func (p *Provider) scheduleCreate(key string, res createResult) {
	switch res.retry {
	case retryNever:
		p.q.creates.Forget(key)
	case retryAfter:
		p.q.creates.AddAfter(key, res.after)
	case retryBackoff:
		p.q.creates.AddRateLimited(key)
	}
}

// retryAfterOutage lets pods held back by RunPod errors try again at once
// when RunPod answers again, instead of waiting out a back-off grown during
// the outage.
func (p *Provider) retryAfterOutage() {
	var keys []string
	p.tr.with(func(m map[string]*tracked) {
		for key, t := range m {
			if t.waiting != nil && t.waiting.Reason == ReasonCreateErr {
				keys = append(keys, key)
			}
		}
	})
	for _, key := range keys {
		p.q.creates.Forget(key)
		p.q.creates.Add(key)
	}
}

// tryCreate is one create attempt: adopt an existing RunPod pod of this
// pod's name, else plan and try the candidates in order per the spec's table.
func (p *Provider) tryCreate(ctx context.Context, pod *corev1.Pod) createResult {
	if _, err := policy.Name(p.s.ClusterID, p.s.NodeName, string(pod.UID)); err != nil {
		return p.refuse(pod, err)
	}
	wait, held := p.handover.check(pod.UID, p.now())
	if wait > 0 {
		return p.hold(pod, wait)
	}
	found, err := p.lookupName(ctx, pod.UID, held) // after a hold, only a fresh listing decides
	if err != nil {
		return p.wait(pod, ReasonCreateErr, fmt.Sprintf("cannot list RunPod pods to check whether this pod's RunPod pod exists: %v", err), EventCreateError)
	}
	if found != nil {
		p.event(pod, corev1.EventTypeNormal, EventAdopted, "adopted RunPod pod %s (%s), created before", found.ID, found.Status)
		return createResult{pod: found, adopted: true}
	}

	in, err := p.planInput(ctx, pod)
	if err != nil {
		return p.wait(pod, ReasonCreateErr, err.Error(), EventCreateError)
	}
	demand, err := policy.Prepare(in) // every catalog-free check: a refusal costs no RunPod call
	switch {
	case errors.Is(err, policy.ErrSourceMissing):
		return p.wait(pod, ReasonCreateErr, err.Error(), EventCreateError) // as a kubelet waits for a volume's source
	case err != nil:
		return p.refuse(pod, err)
	}
	q := demand.Query
	gpus, cpus, err := p.catalog.get(ctx, q)
	if err != nil {
		return p.wait(pod, ReasonCreateErr, err.Error(), EventCreateError)
	}
	plan, err := demand.Rank(gpus, cpus)
	switch {
	case errors.Is(err, policy.ErrNoCandidates):
		return p.wait(pod, ReasonNoCapacity, err.Error(), EventNoCapacity)
	case err != nil:
		return p.refuse(pod, err)
	}
	if res, ok := p.ensureAccountObjects(ctx, pod, plan); !ok {
		return res
	}
	return p.tryCandidates(ctx, pod, plan, q)
}

// hold keeps a pod waiting out a takeover's hold (see handover.go).
func (p *Provider) hold(pod *corev1.Pod, wait time.Duration) createResult {
	msg := fmt.Sprintf("this kubelet took the Lease over from %s, whose create for this pod may still be in flight; creating only after %s, once a fresh listing shows none",
		p.handover.from, p.handover.until.UTC().Format(time.RFC3339))
	p.event(pod, corev1.EventTypeNormal, EventHandoverHold, "%s", msg)
	return createResult{waiting: &WaitingReason{Reason: ReasonHandover, Message: msg}, retry: retryAfter, after: wait}
}

func containerFromPlan(pod *corev1.Pod, plan *policy.PlacementPlan) string {
	for _, c := range pod.Spec.Containers {
		dropped := false
		for _, d := range plan.DroppedContainers {
			dropped = dropped || d == c.Name
		}
		if !dropped {
			return c.Name
		}
	}
	return containerOf(pod, nil)
}
