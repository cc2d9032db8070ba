package podsync

import (
	"context"
	"errors"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// readTransitions refreshes the pods in transition with one GET
// /v2/pods/{id} each, cheaper than a full listing while few pods change.
// It decides only what seeing a pod decides: nothing is declared missing,
// orphaned or gone from it, and spend and usage stay as the last full
// listing reported them.
func (p *Provider) readTransitions(ctx context.Context, ids []string) {
	asked := p.now()
	status := runpodapi.WithTransitionRead(ctx)
	l := partialListing(asked, "targeted reads of pods in transition")
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		rp, err := p.rp.GetPod(status, id)
		switch {
		case errors.Is(err, runpodapi.ErrNotFound):
			continue // only full listings and their proofs decide a pod is gone
		case err != nil:
			if ctx.Err() == nil {
				p.log.Warn("read RunPod pod in transition", "id", id, "err", err)
			}
			continue
		}
		l.byID[id], l.byName[rp.Name] = rp, rp
	}
	p.decideSeen(ctx, l)
}

// whileWalking reads the pods in transition by id every FastInterval while
// Run's listing is walked, when the cadence allows it (cadence.between), until
// stop: a page the rate gate holds for the next window does not hold them
// (the gate serves them before pages, from a larger share of each window).
// Until stop returns, only this reader touches the cadence.
func (p *Provider) whileWalking(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := p.clock.NewTicker(p.s.FastInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C():
			}
			ids := p.readNeeds().transit
			if now := p.now(); p.cad.between(now, p.rp.Budget(), len(ids), p.s) {
				p.cad.spent(now, readTargeted, len(ids))
				p.readTransitions(ctx, ids)
			}
		}
	}()
	return func() { cancel(); <-done }
}

// decideSeen decides what seeing l's pods at l.at decides, for the tracked
// pods l shows, as a round does for them (reconcileOne), and applies it.
// l is partial: nothing is declared missing, orphaned or gone from it.
func (p *Provider) decideSeen(ctx context.Context, l *listing) {
	p.mu.Lock()
	lister := p.pods
	p.mu.Unlock()
	if lister == nil || len(l.byID) == 0 {
		return
	}
	p.deciding.Lock()
	defer p.deciding.Unlock()
	var w roundWork
	p.tr.with(func(m map[string]*tracked) {
		for key, t := range m {
			if t.runpodID == "" || l.byID[t.runpodID] == nil {
				continue
			}
			cur, err := lister.Pods(t.pod.Namespace).Get(t.pod.Name)
			if err != nil || cur.UID != t.uid() {
				continue // gone from Kubernetes: a full listing settles it
			}
			p.reconcileOne(key, t, cur, l, l.at, m, &w)
		}
	})
	p.apply(ctx, w)
}

// partialListing holds pods read one by one, at asked.
func partialListing(asked time.Time, why string, pods ...*runpodapi.Pod) *listing {
	l := &listing{at: asked, why: why, byID: make(map[string]*runpodapi.Pod, len(pods)), byName: make(map[string]*runpodapi.Pod, len(pods))}
	for _, rp := range pods {
		l.byID[rp.ID], l.byName[rp.Name] = rp, rp
	}
	return l
}
