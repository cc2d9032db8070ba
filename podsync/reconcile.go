package podsync

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Run is the one reconcile loop. Each turn the cadence (cadence.go) picks
// the next status read and when it may run: a full listing (every page of
// GET /v2/pods, the only read that decides absence, orphans and spend) or
// targeted reads of the pods in transition. The rounds queue holds one token
// due at the next read; kick brings it forward, never closer than
// FastInterval to the last read. It returns when ctx (the leadership term) ends.
func (p *Provider) Run(ctx context.Context) {
	go func() {
		<-ctx.Done()
		p.q.rounds.ShutDown()
	}()
	p.q.rounds.Add(roundToken{})
	for {
		tok, quit := p.q.rounds.Get()
		if quit || ctx.Err() != nil {
			return
		}
		p.q.rounds.Done(tok)
		now := p.clock.Now()
		needs := p.readNeeds()
		read := p.cad.next(now, p.rp.Budget(), needs, p.s)
		p.metrics.StatusBudget(p.cad.perMinute())
		if read.wait > 0 {
			p.q.rounds.AddAfter(tok, read.wait)
			continue
		}
		p.kicked.Store(false)
		if read.kind == readTargeted {
			p.cad.spent(now, readTargeted, len(read.ids)) // at most that many: one GET each
			p.readTransitions(ctx, read.ids)
		} else {
			est := max(1, needs.pages) // charged as the walk begins; the rest when it ends
			p.cad.spent(now, readFull, est)
			p.cad.charge(p.clock.Now(), p.round(ctx, walk{between: true, transit: read.transit})-est)
		}
		p.q.rounds.Add(tok) // the cadence says when
	}
}

// wake has Run decide its next read again now, without asking for a listing.
func (p *Provider) wake() { p.q.rounds.Add(roundToken{}) }

// kick asks for a read soon: something changed that a listing will show.
func (p *Provider) kick() {
	p.kicked.Store(true)
	p.q.rounds.Add(roundToken{})
}

// readNeeds says what the next status read is for.
func (p *Provider) readNeeds() readNeeds {
	n := readNeeds{fast: p.kicked.Load()}
	p.mu.Lock()
	if p.lastList != nil {
		n.pages = p.lastList.pages
	}
	p.mu.Unlock()
	now := p.now()
	p.tr.with(func(m map[string]*tracked) {
		for _, t := range m {
			switch {
			case !t.inTransition():
			case t.runpodID != "" && !t.deleted:
				if from := p.starts.readFrom(t, p.s.FastInterval); from.After(now) {
					n.later = earliest(n.later, from) // it cannot be running yet
					continue
				}
				n.transit = append(n.transit, t.runpodID)
			case t.deleted:
				n.fast = true // a delete waits for a full listing to show its pod stopped
			}
		}
	})
	return n
}

// roundWork is what a round decided under the lock and does after it: the
// tracker lock is never held while calling RunPod, Kubernetes or the notifier.
type roundWork struct {
	push     []*corev1.Pod
	deletes  []deletion
	restarts []string // pods to start again, after their back-off
	exits    []string // pods whose exit status is to be read from their log
	forgive  []string // pods whose restart back-off starts over
	records  []string // pods whose annotations are to be written
	gone     []pendingGone
	events   []pendingEvent
	proofs   []pendingProof
	forged   []pendingForged
}

// Round lists RunPod once (every page), brings every tracked pod up to
// date, restarts, ends or deletes what needs it, collects orphans and
// reports health and spend. It returns the requests the listing took.
func (p *Provider) Round(ctx context.Context) int { return p.round(ctx, walk{}) }

// walk is how a round walks its listing.
type walk struct {
	between bool // read the pods in transition by id while it goes on, when the cadence allows (whileWalking)
	transit bool // it is read for pods in transition: the rate gate serves it as their reads
}

// round is Round, walked as how says.
func (p *Provider) round(ctx context.Context, how walk) int {
	now := p.now()
	stop := func() {}
	if how.between {
		stop = p.whileWalking(ctx)
	}
	status := runpodapi.WithStatusRead(ctx)
	if how.transit {
		status = runpodapi.WithTransitionRead(ctx)
	}
	// A pod seen on an early page of a long walk is decided at once, as a
	// targeted read decides it; the whole listing then decides the rest.
	l, err := p.list(status, func(page *listing) { p.decideSeen(ctx, page) })
	stop()
	if err != nil {
		// An outage changes no pod: statuses stay as they were.
		p.log.Warn("list RunPod pods", "err", err)
		p.mu.Lock()
		p.failing = true
		p.mu.Unlock()
		return 1
	}
	p.mu.Lock()
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
	var verdict listingVerdict
	p.deciding.Lock()
	p.tr.with(func(m map[string]*tracked) {
		verdict = p.judgeListing(l, m, now)
		for key, t := range m {
			p.reconcileOne(key, t, kube[key], l, now, m, &w)
		}
	})
	p.reportListing(l, verdict)
	p.apply(ctx, w)
	p.deciding.Unlock()
	if l.complete && !l.suspect {
		p.collectOrphans(ctx, l, kube, now)
		p.collectAccountObjects(ctx, l, now)
	}
	p.reportSpend(l, p.clock.Since(now))
	return max(1, l.pages)
}

// reconcileOne updates one tracked pod from the listing; the caller holds the lock.
func (p *Provider) reconcileOne(key string, t *tracked, cur *corev1.Pod, l *listing, now time.Time, m map[string]*tracked, w *roundWork) {
	if cur == nil || cur.UID != t.uid() {
		p.reconcileGone(key, t, l, m, w)
		return
	}
	if t.runpodID == "" && t.claim != "" {
		p.reconcileClaim(key, t, cur, l, w)
	}
	p.checkDeadline(t, cur, now, w)
	switch {
	case t.rejected != nil:
	case t.runpodID == "" && t.claim == "":
		p.reconcileUncreated(t, l, now, w)
	case t.runpodID == "":
		return // an unproven claim: the stored status stays until it is proven
	default:
		if rp, ok := l.byID[t.runpodID]; ok {
			p.reconcileSeen(key, t, cur, rp, l.at, now, m, w)
		} else {
			p.reconcileAbsent(key, t, l, now, w)
		}
	}
	if t.exitReading {
		return // stopped, its exit status still being read: a status now would claim one (and phases are final)
	}
	if push := p.statusUpdate(t, cur, false); push != nil {
		w.push = append(w.push, push)
	}
}

// reconcileUncreated adopts what a listing shows for a pod with no RunPod
// pod yet: a create that was uncertain, or one an earlier term made.
func (p *Provider) reconcileUncreated(t *tracked, l *listing, now time.Time, w *roundWork) {
	if t.creating || t.deleted || t.terminal {
		return
	}
	if rp := p.ownPodIn(l, t.uid()); rp != nil {
		t.runpodID, t.runpod, t.waiting, t.createdAt = rp.ID, rp, nil, now // an uncertain or earlier create resolved
		w.records = append(w.records, podKey(t.pod))
		w.event(t.pod, corev1.EventTypeNormal, EventAdopted, "adopted RunPod pod %s (%s), found by name: an earlier create made it", rp.ID, rp.Status)
		return
	}
	// Otherwise its create is queued (creates queue): only a complete
	// listing lets the create worker conclude that nothing exists yet.
}

func (p *Provider) reconcileSeen(key string, t *tracked, cur *corev1.Pod, rp *runpodapi.Pod, listedAt, now time.Time, m map[string]*tracked, w *roundWork) {
	t.missingSince = time.Time{}
	if listedAt.Before(t.startedAt) || listedAt.Before(t.seenAt) {
		return // the listing predates our last start, or a later read: theirs is newer
	}
	was := t.runpod
	t.seenAt = listedAt
	t.runpod = copyPod(rp)
	if rp.Cost > 0 {
		t.runCost = rp.Cost
	}
	if t.deleted {
		return
	}
	if statePatch(string(t.uid()), cur.Annotations, mergeState(ReadState(cur.Annotations), StateOf(rp))) != nil {
		w.records = append(w.records, podKey(t.pod))
	}
	if t.terminal {
		p.reconcileEnded(t, rp, now, w) // ended earlier (perhaps in another term) but still there
		return
	}
	if rp.Status == runpodapi.StatusRunning && t.provisioning {
		p.starts.observe(rp)
	}
	if rp.Status != runpodapi.StatusProvisioning && rp.Status != runpodapi.StatusStarting {
		t.provisioning = false
	}
	if rp.Status == runpodapi.StatusRunning && (was == nil || was.Status != runpodapi.StatusRunning) {
		t.runningAt, t.exit = now, nil // a new run: its exit status is not known yet
		if t.waiting != nil && t.waiting.Reason == ReasonRestarting {
			t.waiting, t.reserved = nil, 0 // the listing counts what it bills now
		}
		w.event(t.pod, corev1.EventTypeNormal, EventRunning, "RunPod pod %s is RUNNING", rp.ID)
	}
	if !stopped(rp.Status) || !p.exitLearned(key, t, rp, w) {
		return // running, or stopped and its exit status is being read from its log
	}
	switch decideAfterExit(t.pod.Spec.RestartPolicy, rp.Status, t.exit) {
	case restart:
		p.reconcileRestart(key, t, rp, now, m, w)
	case succeed, fail:
		p.endPod(t, rp, now, w)
	}
}

func stopped(st runpodapi.PodStatus) bool {
	return st == runpodapi.StatusExited || st == runpodapi.StatusError
}

// reconcileRestart starts a stopped pod again per restartPolicy, after its
// back-off, if the spend cap has room.
func (p *Provider) reconcileRestart(key string, t *tracked, rp *runpodapi.Pod, now time.Time, m map[string]*tracked, w *roundWork) {
	if t.waiting == nil || t.waiting.Reason != ReasonRestarting {
		t.lastTerm = terminationOf(rp, now, t.exit)
		if ranLongEnough(t.runningAt, now) {
			w.forgive = append(w.forgive, key) // a long healthy run forgives earlier crashes
		}
		t.runningAt = time.Time{}
		t.waiting = &WaitingReason{Reason: ReasonRestarting}
	}
	if !p.restartFits(key, t, m, w) { // books its room for the whole back-off
		return // the cap holds it back; restartFits said why
	}
	t.waiting.Message = "RunPod pod " + rp.ID + " is " + string(rp.Status) + "; restarting per restartPolicy"
	if !t.restartQueued {
		t.restartQueued = true
		w.restarts = append(w.restarts, key)
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
		p.q.deletes.Add(d)
	}
	for _, key := range w.forgive {
		p.q.restarts.Forget(key)
	}
	for _, key := range w.restarts {
		p.q.restarts.AddRateLimited(key)
	}
	for _, key := range w.exits {
		p.q.exits.Add(key)
	}
	p.settleProofs(ctx, w.proofs)
	for _, f := range w.forged {
		p.forgedEvent(f.pod, f.id, f.rp)
	}
	for _, key := range w.records {
		p.record(key)
	}
}

// reportSpend totals what this node's RunPod pods bill and reports it with
// the round's figures.
func (p *Provider) reportSpend(l *listing, took time.Duration) {
	var total float64
	var n int
	byStatus := map[string]int{}
	for _, rp := range l.byID {
		if _, ok := p.owner.Owns(rp); ok && rp.Status != runpodapi.StatusTerminated {
			total += rp.Cost
			n++
			byStatus[string(rp.Status)]++
		}
	}
	waiting := map[string]int{}
	refs := map[string]podRef{}
	p.tr.with(func(m map[string]*tracked) {
		for _, t := range m {
			if t.waiting != nil && t.runpodID == "" && !t.deleted && !t.terminal {
				waiting[t.waiting.Reason]++
			}
			if t.runpodID != "" && !t.deleted {
				refs[t.runpodID] = podRef{namespace: t.pod.Namespace, name: t.pod.Name, container: t.container, uid: t.uid()}
			}
		}
	})
	usage := p.usage.observe(l, refs)
	p.metrics.RoundDone(RoundFigures{Took: took, ListedAt: l.at, ByStatus: byStatus, HourlyUSD: total, Waiting: waiting, Usage: usage})
	if p.health != nil {
		p.health.ReportSpend(total, n)
	}
}

func copyPod(rp *runpodapi.Pod) *runpodapi.Pod {
	cp := *rp
	return &cp
}
