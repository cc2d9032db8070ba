package podsync

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Spend is counted from what RunPod bills — every live RunPod pod of this
// node in the latest listing, duplicates included — plus what a tracked pod
// not in that listing billed last, plus what in-flight creates and pods
// waiting to restart have reserved, so that parallel creates and restarts
// cannot together overshoot MAX_HOURLY_SPEND.

// spendLocked is the node's $/h and RunPod pod count, not counting except's
// reservation. The caller holds the tracker lock.
func (p *Provider) spendLocked(m map[string]*tracked, except string) (float64, int) {
	p.mu.Lock()
	l := p.lastList
	p.mu.Unlock()
	var total float64
	var count int
	listed := map[string]bool{}
	if l != nil {
		for id, rp := range l.byID {
			if _, ok := p.owner.Owns(rp); ok && rp.Status != runpodapi.StatusTerminated {
				listed[id] = true
				total += rp.Cost
				count++
			}
		}
	}
	for key, t := range m {
		c, n := t.hourlyCost(listed)
		if key == except {
			c -= t.reserved
		}
		total += c
		count += n
	}
	return total, count
}

// currentSpend is spendLocked under the lock.
func (p *Provider) currentSpend(except string) (total float64, count int) {
	p.tr.with(func(m map[string]*tracked) { total, count = p.spendLocked(m, except) })
	return total, count
}

// fits reports whether cost more fits under the cap (always without one).
func (p *Provider) fits(spend, cost float64) bool {
	return p.s.MaxHourlySpend <= 0 || spend+cost <= p.s.MaxHourlySpend+1e-9
}

// reserve books cost for key's create if it fits under the cap (always when
// there is no cap). It replaces key's earlier reservation.
func (p *Provider) reserve(key string, cost float64) bool {
	ok := false
	p.tr.with(func(m map[string]*tracked) {
		t, found := m[key]
		if !found {
			return
		}
		if p.s.MaxHourlySpend > 0 { // without a cap the node's spend is not worth a walk over every pod per create
			if spend, _ := p.spendLocked(m, key); !p.fits(spend, cost) {
				return
			}
		}
		t.reserved, ok = cost, true
	})
	return ok
}

// restartFits books what a stopped pod billed while it ran before it is
// started again, as a create would: it keeps that reservation while it waits,
// so no other pod takes its room. When the cap has no room, the restart
// waits (with an Event once). The caller holds the tracker lock.
func (p *Provider) restartFits(key string, t *tracked, m map[string]*tracked, w *roundWork) bool {
	cost := t.runCost
	if cost == 0 {
		cost = ReadState(t.pod.Annotations).CostPerHr
	}
	spend, count := p.spendLocked(m, key)
	if !p.fits(spend, cost) {
		msg := fmt.Sprintf("restart held: node spend cap MAX_HOURLY_SPEND $%.2f/h reached: %s cost $%.2f/h and the restart adds $%.2f/h; waiting for spend to drop",
			p.s.MaxHourlySpend, podCount(count), spend, cost)
		if t.waiting == nil || t.waiting.Message != msg {
			w.event(t.pod, corev1.EventTypeWarning, EventSpendCap, "%s", msg)
		}
		t.waiting = &WaitingReason{Reason: ReasonRestarting, Message: msg}
		t.reserved = 0
		return false
	}
	t.reserved = cost
	return true
}

// hourlyCost is what a tracked pod adds to the listing's total: its
// reservation (a create in flight, or a restart), and what it billed last
// when its RunPod pod is not in the listing (adopted while RunPod was down).
func (t *tracked) hourlyCost(listed map[string]bool) (float64, int) {
	switch {
	case t.terminal || t.deleted:
		return 0, 0
	case t.runpodID != "" && listed[t.runpodID]:
		return t.reserved, 0
	case t.runpodID != "" && t.runpod != nil:
		return t.runpod.Cost + t.reserved, 1
	case t.runpodID != "" || t.claim != "":
		return ReadState(t.pod.Annotations).CostPerHr, 1
	case t.creating:
		return t.reserved, 0
	}
	return 0, 0
}
