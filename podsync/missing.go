package podsync

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// RunPod is eventually consistent: a listing can lag behind a create, leave
// pages out, or be plain wrong. So a RunPod pod missing from a listing is not
// gone. It is declared gone only when
//
//  1. it is not young (YoungPodGrace since it was created),
//  2. every complete, unsuspect listing for MissingWindow left it out, and
//  3. GET /v2/pods/{id} then answers 404 (or TERMINATED).
//
// A pod that shows up again, in a listing or in that GET, is simply tracked
// again. Incomplete listings decide nothing; a complete listing that
// suddenly leaves out most of the pods seen before is suspect (a node
// condition and an Event) and starts no clock until it has persisted for
// MissingWindow, when it is believed.

// maxProofsPerRound bounds the GET /v2/pods/{id} calls of one round, so a
// wrong listing of many pods cannot spend the rate budget.
const maxProofsPerRound = 10

// suspectMinPods is how many previously seen pods a listing must leave out,
// beside half of them, to be suspect.
const suspectMinPods = 2

// listingVerdict is what judgeListing concluded, for the node condition.
type listingVerdict struct {
	suspect           bool
	first             bool // the first suspect listing of a run
	absent, expected  int
	since             time.Time
	believedAfterWait bool
}

// judgeListing marks a complete listing suspect when it leaves out at least
// suspectMinPods and half of the tracked RunPod pods seen before. The
// caller holds the tracker lock.
func (p *Provider) judgeListing(l *listing, m map[string]*tracked, now time.Time) listingVerdict {
	var v listingVerdict
	if !l.complete {
		return v
	}
	for _, t := range m {
		if t.runpodID == "" || t.runpod == nil || t.terminal || t.deleted || !t.missingSince.IsZero() {
			continue
		}
		v.expected++
		if _, ok := l.byID[t.runpodID]; !ok {
			v.absent++
		}
	}
	if v.absent < suspectMinPods || v.absent*2 < v.expected {
		p.suspectSince = time.Time{}
		return v
	}
	if p.suspectSince.IsZero() {
		p.suspectSince, v.first = now, true
	}
	v.since = p.suspectSince
	if now.Sub(p.suspectSince) >= p.s.MissingWindow {
		v.believedAfterWait = true // it held for the whole window: believe it
		return v
	}
	v.suspect, l.suspect = true, true
	return v
}

// reportListing turns the listing and the verdict into the node's
// RunPodListing condition, and a suspect listing into an Event on the node.
func (p *Provider) reportListing(l *listing, v listingVerdict) {
	switch {
	case !l.complete:
		p.log.Warn("RunPod listing incomplete; nothing is declared missing, orphaned or absent from it", "pages", l.pages, "why", l.why)
		p.reportListingHealth(false, ListingIncomplete, fmt.Sprintf(
			"GET /v2/pods stopped after %d page(s): %s; until a listing is complete, no pod is declared missing, orphaned or absent", l.pages, l.why))
	case v.suspect:
		msg := fmt.Sprintf("GET /v2/pods left out %d of the %d RunPod pods seen before (since %s); not believed until it persists for %s",
			v.absent, v.expected, v.since.UTC().Format(time.RFC3339), p.s.MissingWindow)
		if v.first {
			p.nodeEvent(corev1.EventTypeWarning, EventListingSuspect, msg)
		}
		p.log.Warn("RunPod listing suspect", "absent", v.absent, "expected", v.expected, "since", v.since)
		p.reportListingHealth(false, ListingSuspect, msg)
	default:
		msg := "the latest GET /v2/pods walk read every page"
		if v.believedAfterWait {
			msg += fmt.Sprintf("; it left out %d of %d pods seen before for %s and is believed now", v.absent, v.expected, p.s.MissingWindow)
		}
		p.reportListingHealth(true, ListingComplete, msg)
	}
}

// Reasons of the node's RunPodListing condition (see node.ConditionRunPodListing).
const (
	ListingComplete   = "ListingComplete"
	ListingIncomplete = "ListingIncomplete"
	ListingSuspect    = "ListingSuspect"
)

func (p *Provider) reportListingHealth(trusted bool, reason, msg string) {
	if p.health != nil {
		p.health.ReportListing(trusted, reason, msg)
	}
}

// pendingProof is a GET /v2/pods/{id} a round asks for: of a missing pod's
// id, or of a claim (an annotated id not proven ours) no listing showed.
type pendingProof struct {
	key   string
	t     *tracked
	id    string
	claim bool
	since time.Time // missing since (for the Event)
}

// pendingForged is an annotated id a listing showed to be someone else's.
type pendingForged struct {
	pod *corev1.Pod
	id  string
	rp  *runpodapi.Pod
}

// reconcileAbsent is a proven RunPod pod this listing does not hold. The
// caller holds the lock.
func (p *Provider) reconcileAbsent(key string, t *tracked, l *listing, now time.Time, w *roundWork) {
	if t.terminal || t.deleted || !l.complete || l.suspect || p.young(t, now) || l.at.Before(t.seenAt) {
		return // a read newer than the listing showed it
	}
	if t.missingSince.IsZero() {
		t.missingSince = l.at
		return
	}
	if !t.proving && now.Sub(t.missingSince) >= p.s.MissingWindow {
		t.proving = true
		w.proofs = append(w.proofs, pendingProof{key: key, t: t, id: t.runpodID, since: t.missingSince})
	}
}

// young reports whether t's RunPod pod is too new for its absence to count.
func (p *Provider) young(t *tracked, now time.Time) bool {
	created := t.createdAt
	if t.runpod != nil && !t.runpod.CreatedAt.IsZero() && t.runpod.CreatedAt.After(created) {
		created = t.runpod.CreatedAt
	}
	if created.IsZero() {
		created = ReadState(t.pod.Annotations).CreatedAt
	}
	return !created.IsZero() && now.Sub(created) < p.s.YoungPodGrace
}

// reconcileClaim tries to prove an annotated id from the listing: listed and
// ours, it becomes the pod's RunPod id; listed and someone else's, it is
// ignored; not listed (complete listing), GET decides. The caller holds the lock.
func (p *Provider) reconcileClaim(key string, t *tracked, cur *corev1.Pod, l *listing, w *roundWork) {
	switch pr, rp := p.proveIn(l, t.claim, t.uid()); pr {
	case proofOurs:
		t.runpodID, t.runpod, t.claim = rp.ID, rp, ""
	case proofNotOurs:
		w.forged = append(w.forged, pendingForged{pod: cur, id: t.claim, rp: rp})
		t.claim = ""
	default:
		if l.complete && !t.terminal && !t.deleted && !t.proving {
			t.proving = true
			w.proofs = append(w.proofs, pendingProof{key: key, t: t, id: t.claim, claim: true})
		}
	}
}

// settleProofs runs the round's GET /v2/pods/{id} proofs, longest missing
// first, at most maxProofsPerRound; the rest wait for the next round.
func (p *Provider) settleProofs(ctx context.Context, proofs []pendingProof) {
	sort.Slice(proofs, func(i, j int) bool { return proofs[i].since.Before(proofs[j].since) })
	for i, pr := range proofs {
		if i >= maxProofsPerRound {
			p.tr.with(func(map[string]*tracked) { pr.t.proving = false })
			continue
		}
		p.settleProof(ctx, pr)
	}
}

func (p *Provider) settleProof(ctx context.Context, pr pendingProof) {
	res, rp, err := p.prove(ctx, pr.id, pr.t.uid())
	if err != nil {
		p.log.Info("could not prove a RunPod pod's state; next round asks again", "pod", pr.key, "runpodID", pr.id, "err", err)
	}
	var forged, gone bool
	var pod *corev1.Pod
	p.tr.with(func(m map[string]*tracked) {
		t := pr.t
		t.proving = false
		if m[pr.key] != t {
			return
		}
		pod = t.pod
		switch {
		case res == proofUnknown:
		case res == proofOurs:
			if pr.claim {
				t.runpodID, t.claim = pr.id, ""
			}
			t.runpod, t.missingSince = rp, time.Time{} // seen: tracked again, as if listed
		case pr.claim && res == proofNotFound && recordedByUs(p.currentPod(t.pod), pr.id):
			// Ours from an earlier term (the status we wrote names it), and
			// gone now: the missing rules apply from here.
			t.runpodID, t.claim, t.missingSince = pr.id, "", p.now()
		case pr.claim:
			t.claim, forged = "", true
		case res == proofNotFound:
			t.gone, t.terminal = true, true
			gone = true
		}
	})
	if pod == nil {
		return
	}
	switch {
	case forged:
		p.forgedEvent(pod, pr.id, rp)
	case gone:
		p.event(pod, corev1.EventTypeWarning, EventMissing,
			"RunPod pod %s is gone: absent from every complete listing since %s (more than %s) and GET /v2/pods/%s answers 404; marking the pod Failed",
			pr.id, pr.since.UTC().Format(time.RFC3339), p.s.MissingWindow, pr.id)
		p.log.Warn("RunPod pod gone", "pod", pr.key, "runpodID", pr.id, "missingSince", pr.since)
		p.kick()
	case res == proofOurs && !pr.claim:
		p.log.Info("RunPod pod missing from listings answers GET; still tracked", "pod", pr.key, "runpodID", pr.id)
	}
}
