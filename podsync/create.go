package podsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// createResult is how one create attempt ended.
type createResult struct {
	pod     *runpodapi.Pod // created or adopted
	adopted bool
	plan    *policy.PlacementPlan
	waiting *WaitingReason // held back; retry after retry unless it is a refusal
	retry   time.Duration
}

// startCreate runs a create worker for key unless one runs already.
func (p *Provider) startCreate(key string) {
	var ctx context.Context
	var t *tracked
	p.tr.get(key, func(cur *tracked) {
		if cur.creating || cur.runpodID != "" || cur.deleted || cur.terminal {
			return
		}
		p.mu.Lock()
		term := p.termCtx
		p.mu.Unlock()
		ctx, cur.cancel = context.WithCancel(term)
		cur.creating, cur.done = true, make(chan struct{})
		t = cur
	})
	if t != nil {
		// The worker holds its entry, not the key: the key may be dropped or
		// taken by a new pod of the same name while it runs.
		go p.createWorker(ctx, key, t, t.done)
	}
}

func (p *Provider) createWorker(ctx context.Context, key string, t *tracked, done chan struct{}) {
	defer close(done)

	select { // bound concurrent creates; the client's rate gate paces the rest
	case p.creates <- struct{}{}:
	case <-ctx.Done():
		p.finishCreate(key, t, createResult{})
		return
	}
	var pod *corev1.Pod
	p.tr.with(func(m map[string]*tracked) {
		if m[key] == t && !t.deleted {
			pod = t.pod.DeepCopy()
		}
	})
	var res createResult
	if pod != nil {
		res = p.tryCreate(ctx, pod)
	}
	<-p.creates // the slot bounds RunPod creates, not the Kubernetes writes that record them
	p.finishCreate(key, t, res)
}

// finishCreate records a create attempt's outcome and pushes the new status.
// A RunPod pod made for an entry that was deleted, dropped or replaced
// meanwhile is deleted at once: nothing else would stop its billing before GC.
func (p *Provider) finishCreate(key string, t *tracked, res createResult) {
	var push *corev1.Pod
	var orphan string
	p.tr.with(func(m map[string]*tracked) {
		t.creating, t.cancel, t.reserved = false, nil, 0
		if res.pod != nil && (t.deleted || m[key] != t) {
			orphan = res.pod.ID
			return
		}
		if m[key] != t {
			return
		}
		if res.pod != nil {
			t.runpodID, t.runpod, t.waiting, t.backoff, t.missingSince, t.claim = res.pod.ID, res.pod, nil, 0, time.Time{}, ""
			t.createdAt = p.now()
			if res.plan != nil {
				t.container = containerFromPlan(t.pod, res.plan)
			}
		} else if res.waiting != nil {
			t.waiting = res.waiting
			t.retryAt = p.now().Add(res.retry)
		}
		st := p.buildStatus(t, p.currentPod(t.pod))
		t.status = st
		push = p.forPush(t, st)
	})
	if orphan != "" {
		if err := p.deleteRunPod(context.Background(), orphan); err != nil {
			p.log.Warn("delete RunPod pod created for a deleted pod; GC will retry", "runpodID", orphan, "err", err)
		}
		return
	}
	if push != nil {
		p.push(push)
	}
	if res.pod != nil && push != nil {
		if res.adopted {
			p.metrics.Count(OpAdopt)
		} else {
			p.metrics.Count(OpCreate)
		}
		p.recordState(push, res.pod)
	}
	p.kick()
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
	q, err := policy.CatalogQueryFor(in)
	if err != nil {
		return p.refuse(pod, err)
	}
	if err := p.catalog.fill(ctx, q, &in); err != nil {
		return p.wait(pod, ReasonCreateErr, err.Error(), EventCreateError)
	}
	plan, err := policy.Plan(in)
	switch {
	case errors.Is(err, policy.ErrNoCandidates):
		return p.wait(pod, ReasonNoCapacity, err.Error(), EventNoCapacity)
	case err != nil:
		return p.refuse(pod, err)
	}
	return p.tryCandidates(ctx, pod, plan, q)
}

// hold keeps a pod waiting out a takeover's hold (see handover.go).
func (p *Provider) hold(pod *corev1.Pod, wait time.Duration) createResult {
	msg := fmt.Sprintf("this kubelet took the Lease over from %s, whose create for this pod may still be in flight; creating only after %s, once a fresh listing shows none",
		p.handover.from, p.handover.until.UTC().Format(time.RFC3339))
	p.event(pod, corev1.EventTypeNormal, EventHandoverHold, "%s", msg)
	time.AfterFunc(wait, p.kick) // the round after the hold creates it
	return createResult{waiting: &WaitingReason{Reason: ReasonHandover, Message: msg}, retry: wait}
}

// planInput gathers the pod's Job, the Services and the stored pod for the policy.
func (p *Provider) planInput(ctx context.Context, pod *corev1.Pod) (policy.Input, error) {
	in := policy.Input{Pod: pod, Node: policy.NodeSettings{
		ClusterID: p.s.ClusterID, NodeName: p.s.NodeName, MaxGPUPrice: p.s.MaxGPUPrice,
		DataCenterIDs: p.s.DataCenterIDs, CloudType: p.s.CloudType, AccountIDs: p.s.AccountIDs,
	}}
	p.mu.Lock()
	pods, services := p.pods, p.services
	p.mu.Unlock()
	if pods != nil {
		if stored, err := pods.Pods(pod.Namespace).Get(pod.Name); err == nil && stored.UID == pod.UID {
			in.StoredPod = stored
		}
	}
	if services != nil {
		list, err := services.List(labels.Everything())
		if err == nil {
			for _, s := range list {
				in.Services = append(in.Services, *s)
			}
		}
	}
	if jobName, ok := policy.OwningJobName(pod); ok {
		job, err := p.kube.BatchV1().Jobs(pod.Namespace).Get(ctx, jobName, metav1.GetOptions{})
		switch {
		case err == nil:
			in.Job = job
		case apierrors.IsNotFound(err):
			in.Job = nil // the Job is gone; the pod's own annotations still apply
		default:
			return in, fmt.Errorf("read Job %s/%s for its runpod.io annotations: %w", pod.Namespace, jobName, err)
		}
	}
	return in, nil
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
