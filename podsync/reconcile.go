package podsync

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Run is the one reconcile loop: one GET /v2/pods per round for every pod,
// at the fast interval while any pod is in transition, else at
// RECONCILE_INTERVAL, and never faster than the rate budget allows. It
// returns when ctx (the leadership term) ends.
func (p *Provider) Run(ctx context.Context) {
	p.mu.Lock()
	p.termCtx = ctx
	p.mu.Unlock()
	for {
		started := p.now()
		interval := p.Round(ctx)
		next := started.Add(interval)
		fast := started.Add(p.s.FastInterval)
		for {
			wait := next.Sub(p.now()) // the provider's clock, as started was read
			if wait <= 0 {
				break
			}
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return
			case <-timer.C:
			case <-p.wake:
				timer.Stop()
				if fast.Before(next) {
					next = fast // something changed: look again soon, not at once
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// roundWork is what a round decided under the lock and does after it: the
// tracker lock is never held while calling RunPod, Kubernetes or the notifier.
type roundWork struct {
	push    []*corev1.Pod
	deletes []pendingDelete
	starts  []pendingStart
	records []pendingRecord
	creates []string
	gone    []pendingGone
	events  []pendingEvent
}

// pendingGone is a tracked pod the informer no longer has; the API server
// confirms it is gone before its RunPod pod is deleted (the informer may lag).
type pendingGone struct {
	key string
	uid types.UID
	t   *tracked
	id  string // its RunPod pod when listed, else ""
}

type pendingEvent struct {
	pod                  *corev1.Pod
	kind, reason, format string
	args                 []any
}

func (w *roundWork) event(pod *corev1.Pod, kind, reason, format string, args ...any) {
	w.events = append(w.events, pendingEvent{pod, kind, reason, format, args})
}

type pendingDelete struct {
	pod    *corev1.Pod
	id     string
	reason string
}

type pendingStart struct {
	key string
	pod *corev1.Pod
	id  string
}

type pendingRecord struct {
	pod *corev1.Pod
	rp  *runpodapi.Pod
}

// Round lists RunPod once, brings every tracked pod up to date, restarts,
// ends or deletes what needs it, collects orphans and reports health and
// spend. It returns the interval until the next round.
func (p *Provider) Round(ctx context.Context) time.Duration {
	started := time.Now()
	now := p.now()
	pods, err := p.rp.ListPods(ctx)
	if p.health != nil {
		p.health.ObserveRunPod(err, now)
	}
	if err != nil {
		// An outage changes no pod: statuses stay as they were.
		p.log.Warn("list RunPod pods", "err", err)
		p.mu.Lock()
		p.failing = true
		p.mu.Unlock()
		return p.nextInterval(now)
	}
	l := newListing(pods, now)
	p.mu.Lock()
	p.lastList = l
	lister := p.pods
	recovered := p.failing
	p.failing = false
	p.mu.Unlock()
	if recovered {
		p.retryAfterOutage()
	}

	kube := map[string]*corev1.Pod{}
	if lister != nil {
		all, _ := lister.List(labels.Everything())
		for _, kp := range all {
			kube[podKey(kp)] = kp
		}
	}
	var w roundWork
	p.tr.with(func(m map[string]*tracked) {
		for key, t := range m {
			p.reconcileOne(key, t, kube[key], l, now, m, &w)
		}
	})
	p.apply(ctx, w)
	p.collectOrphans(ctx, l, kube, now)
	p.reportSpend(l, time.Since(started))
	return p.nextInterval(now)
}

// reconcileOne updates one tracked pod from the listing; the caller holds the lock.
func (p *Provider) reconcileOne(key string, t *tracked, cur *corev1.Pod, l *listing, now time.Time, m map[string]*tracked, w *roundWork) {
	if cur == nil || cur.UID != t.uid() {
		// The Kubernetes pod is gone (force-deleted while not running, or
		// deleted while we were not leader): its RunPod pod must not bill.
		var id string
		if rp := l.byID[t.runpodID]; rp != nil && t.runpodID != "" {
			id = t.runpodID
		}
		if !t.deleted {
			w.gone = append(w.gone, pendingGone{key: key, uid: t.uid(), t: t, id: id})
			return
		}
		if id != "" {
			w.deletes = append(w.deletes, pendingDelete{pod: t.pod, id: id, reason: "its Kubernetes pod is gone"})
		}
		if !t.creating { // else the create worker deletes what it makes, then a later round drops it
			delete(m, key)
		}
		return
	}
	if t.runpodID == "" {
		p.reconcileUncreated(key, t, l, now, w)
	} else if rp, ok := l.byID[t.runpodID]; ok {
		p.reconcileSeen(key, t, cur, rp, now, w)
	} else if !t.terminal && !t.deleted {
		t.missing++
		if t.missing == p.s.MissingRounds {
			t.terminal = true
			w.event(t.pod, corev1.EventTypeWarning, EventMissing, "RunPod pod %s is missing from %d lists in a row; marking the pod Failed", t.runpodID, t.missing)
		}
	}
	st := p.buildStatus(t, cur)
	if t.status == nil || !equality.Semantic.DeepEqual(*st, *t.status) {
		t.status = st
		w.push = append(w.push, p.forPush(t, st))
	}
}

// retryAfterOutage lets pods held back by RunPod errors try again at once
// when RunPod answers again, instead of waiting out a back-off grown during
// the outage.
func (p *Provider) retryAfterOutage() {
	p.tr.with(func(m map[string]*tracked) {
		for _, t := range m {
			if t.waiting != nil && t.waiting.Reason == ReasonCreateErr {
				t.retryAt, t.backoff = time.Time{}, 0
			}
		}
	})
}

func (p *Provider) reconcileUncreated(key string, t *tracked, l *listing, now time.Time, w *roundWork) {
	if t.creating || t.deleted || t.terminal {
		return
	}
	if name, err := policy.Name(p.s.ClusterID, p.s.NodeName, string(t.uid())); err == nil {
		if rp, ok := l.byName[name]; ok && rp.Status != runpodapi.StatusTerminated {
			t.runpodID, t.runpod, t.waiting = rp.ID, copyPod(rp), nil // an uncertain create resolved
			w.records = append(w.records, pendingRecord{pod: t.pod, rp: t.runpod})
			return
		}
	}
	if t.waiting != nil && t.waiting.Reason == ReasonRefused {
		return // only a change to the pod plans it again
	}
	if !now.Before(t.retryAt) {
		w.creates = append(w.creates, key)
	}
}

func (p *Provider) reconcileSeen(key string, t *tracked, cur *corev1.Pod, rp *runpodapi.Pod, now time.Time, w *roundWork) {
	t.missing = 0
	was := t.runpod
	t.runpod = copyPod(rp)
	if t.deleted {
		return
	}
	if t.terminal {
		// Ended earlier (perhaps in another term) but still there: stop its billing.
		w.deletes = append(w.deletes, pendingDelete{pod: t.pod, id: rp.ID, reason: "the pod already ended"})
		return
	}
	if rp.Status == runpodapi.StatusRunning && (was == nil || was.Status != runpodapi.StatusRunning) {
		t.runningAt = now
		if t.waiting != nil && t.waiting.Reason == ReasonRestarting {
			t.waiting = nil
		}
		w.event(t.pod, corev1.EventTypeNormal, EventRunning, "RunPod pod %s is RUNNING", rp.ID)
	}
	switch decideAfterExit(t.pod.Spec.RestartPolicy, rp.Status) {
	case restart:
		if t.waiting == nil || t.waiting.Reason != ReasonRestarting {
			t.lastTerm = terminationOf(rp, now)
			if ranLongEnough(t.runningAt, now) {
				t.backoff = 0 // a long healthy run forgives earlier crashes
			}
			t.runningAt = time.Time{}
			t.waiting = &WaitingReason{Reason: ReasonRestarting, Message: "RunPod pod " + rp.ID + " is " + string(rp.Status) + "; restarting per restartPolicy"}
		}
		if !now.Before(t.retryAt) {
			t.backoff = nextBackoff(t.backoff, 10*time.Second)
			t.retryAt = now.Add(t.backoff)
			w.starts = append(w.starts, pendingStart{key: key, pod: t.pod, id: rp.ID})
		}
	case succeed, fail:
		t.terminal = true
		reason, kind := EventExited, corev1.EventTypeNormal
		if rp.Status == runpodapi.StatusError {
			reason, kind = EventFailed, corev1.EventTypeWarning
		}
		w.event(t.pod, kind, reason, "RunPod pod %s is %s (RunPod reports no exit code); deleting it so it stops billing", rp.ID, rp.Status)
		w.deletes = append(w.deletes, pendingDelete{pod: t.pod, id: rp.ID, reason: "the pod ended"})
	}
	if statePatch(string(t.uid()), cur.Annotations, mergeState(ReadState(cur.Annotations), StateOf(rp))) != nil {
		w.records = append(w.records, pendingRecord{pod: t.pod, rp: t.runpod})
	}
}

// apply does a round's decisions outside the tracker lock.
func (p *Provider) apply(ctx context.Context, w roundWork) {
	for _, e := range w.events {
		p.event(e.pod, e.kind, e.reason, e.format, e.args...)
	}
	for _, pod := range w.push {
		p.push(pod)
	}
	p.dropGone(ctx, w.gone)
	for _, d := range w.deletes {
		if err := p.deleteRunPod(ctx, d.id); err != nil {
			p.log.Warn("delete RunPod pod; next round retries", "runpodID", d.id, "pod", podKey(d.pod), "why", d.reason, "err", err)
			continue
		}
		p.metrics.Count(OpDelete)
		p.log.Info("deleted RunPod pod", "runpodID", d.id, "pod", podKey(d.pod), "why", d.reason)
		p.event(d.pod, corev1.EventTypeNormal, EventDeleted, "deleted RunPod pod %s: %s", d.id, d.reason)
	}
	for _, s := range w.starts {
		p.restartRunPod(ctx, s)
	}
	for _, r := range w.records {
		p.recordState(r.pod, r.rp)
	}
	for _, key := range w.creates {
		p.startCreate(key)
	}
}

// dropGone forgets the tracked pods the API server no longer has (or has
// under another UID) and deletes their RunPod pods. One list of the node's
// pods answers for all of them; if it fails, the next round asks again.
func (p *Provider) dropGone(ctx context.Context, gone []pendingGone) {
	if len(gone) == 0 {
		return
	}
	stored, err := p.storedPodUIDs(ctx)
	if err != nil {
		p.log.Warn("check whether pods missing from the informer are gone; next round asks again", "pods", len(gone), "err", err)
		return
	}
	for _, g := range gone {
		if stored[g.uid] {
			continue // the informer lags; the pod is still there
		}
		p.tr.with(func(m map[string]*tracked) {
			g.t.deleted = true
			p.forget(g.t)
			if m[g.key] == g.t && !g.t.creating {
				delete(m, g.key)
			}
		})
		if g.id == "" {
			continue
		}
		if err := p.deleteRunPod(ctx, g.id); err != nil {
			p.log.Warn("delete RunPod pod of a gone pod; GC retries", "runpodID", g.id, "pod", g.key, "err", err)
			continue
		}
		p.metrics.Count(OpDelete)
		p.log.Info("deleted RunPod pod", "runpodID", g.id, "pod", g.key, "why", "its Kubernetes pod is gone")
	}
}

func (p *Provider) nextInterval(now time.Time) time.Duration {
	interval := p.s.ReconcileInterval
	p.tr.with(func(m map[string]*tracked) {
		for _, t := range m {
			if t.inTransition() {
				interval = p.s.FastInterval
				return
			}
		}
	})
	// Keep half the budget for creates, deletes and restarts.
	if safe := p.rp.Budget().SafeInterval(now, 2); safe > interval {
		interval = safe
	}
	return interval
}

// reportSpend totals what this node's RunPod pods bill and reports it with
// the round's figures.
func (p *Provider) reportSpend(l *listing, took time.Duration) {
	var total float64
	var n int
	byStatus := map[string]int{}
	for _, rp := range l.byID {
		if _, ok := policy.Owned(rp, p.s.ClusterID, p.s.NodeName); ok && rp.Status != runpodapi.StatusTerminated {
			total += rp.Cost
			n++
			byStatus[string(rp.Status)]++
		}
	}
	p.metrics.RoundDone(took, byStatus, total)
	if p.health != nil {
		p.health.ReportSpend(total, n)
	}
}

func copyPod(rp *runpodapi.Pod) *runpodapi.Pod {
	cp := *rp
	return &cp
}
