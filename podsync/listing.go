package podsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// listing is one walk through GET /v2/pods, indexed. Only a complete
// listing may support a negative decision: a pod missing, an orphan, or "not
// found by name, so create". What an incomplete one holds is still true.
type listing struct {
	at       time.Time
	complete bool
	suspect  bool   // complete, but left out most pods seen before (missing.go)
	why      string // why it is incomplete
	pages    int
	byID     map[string]*runpodapi.Pod
	byName   map[string]*runpodapi.Pod
}

func newListing(pl *runpodapi.PodList, at time.Time) *listing {
	l := &listing{at: at, complete: pl.Complete, why: pl.Incomplete, pages: pl.Pages,
		byID: make(map[string]*runpodapi.Pod, len(pl.Pods)), byName: make(map[string]*runpodapi.Pod, len(pl.Pods))}
	for i := range pl.Pods {
		l.byID[pl.Pods[i].ID] = &pl.Pods[i]
		l.byName[pl.Pods[i].Name] = &pl.Pods[i]
	}
	return l
}

// errIncomplete is a lookup that found nothing in a listing that may lack it.
var errIncomplete = errors.New("the RunPod listing is incomplete")

// list walks GET /v2/pods once, reports the outcome to the node's health and
// keeps the answer as the term's latest listing. early, when not nil, gets
// each page but the last as a partial listing as soon as it arrives.
func (p *Provider) list(ctx context.Context, early func(*listing)) (*listing, error) {
	asked := p.now() // a listing is as old as its request: what changed later may be missing from it
	var onPage func([]runpodapi.Pod, bool)
	if early != nil {
		pageAsked, n := asked, 0
		onPage = func(page []runpodapi.Pod, more bool) {
			n++
			at := pageAsked // no later than this page's request: as conservative as the listing's own time
			pageAsked = p.now()
			if !more {
				return // the whole listing follows at once
			}
			pods := make([]*runpodapi.Pod, len(page))
			for i := range page {
				pods[i] = &page[i]
			}
			early(partialListing(at, fmt.Sprintf("page %d of a listing in progress", n), pods...))
		}
	}
	pl, err := p.rp.ListPodsPaged(ctx, onPage)
	if p.health != nil {
		p.health.ObserveRunPod(err, p.now())
	}
	if err != nil {
		return nil, err
	}
	l := newListing(pl, asked)
	p.mu.Lock()
	if p.lastList == nil || !l.at.Before(p.lastList.at) {
		p.lastList = l
	}
	p.mu.Unlock()
	return l, nil
}

// lookupName finds the RunPod pod this node made for pod UID uid (name and
// ownership env). fresh asks RunPod again instead of reading the term's
// latest listing; a complete listing is needed to say "none" — otherwise the
// error wraps errIncomplete.
func (p *Provider) lookupName(ctx context.Context, uid types.UID, fresh bool) (*runpodapi.Pod, error) {
	p.mu.Lock()
	l := p.lastList
	p.mu.Unlock()
	if l == nil || fresh || !l.complete {
		var err error
		if l, err = p.list(ctx, nil); err != nil {
			return nil, err
		}
	}
	if rp := p.ownPodIn(l, uid); rp != nil {
		return rp, nil
	}
	if !l.complete {
		return nil, fmt.Errorf("%w (%s): cannot tell that no RunPod pod exists for this pod", errIncomplete, l.why)
	}
	return nil, nil
}

// ownPodIn is the live RunPod pod of listing l that this node made for uid, or nil.
func (p *Provider) ownPodIn(l *listing, uid types.UID) *runpodapi.Pod {
	name, err := policy.Name(p.s.ClusterID, p.s.NodeName, string(uid))
	if err != nil {
		return nil
	}
	if rp, ok := l.byName[name]; ok && rp.Status != runpodapi.StatusTerminated && p.owns(rp, uid) {
		return copyPod(rp)
	}
	return nil
}
