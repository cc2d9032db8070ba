package podsync

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
)

// A Kubernetes pod can vanish without DeletePod: force-deleted while not
// running, or deleted while no replica led. Its RunPod pod must then stop
// billing, once the API server confirms the pod is gone (the informer may lag)
// and the RunPod pod is proven this pod's.

// pendingGone is a tracked pod the informer no longer has; the API server
// confirms it is gone before its RunPod pod is deleted (the informer may lag).
type pendingGone struct {
	key string
	uid types.UID
	t   *tracked
	id  string // its RunPod pod when listed, else ""
}

// reconcileGone handles a tracked pod the informer no longer has (or has
// under another UID): force-deleted while not running, or deleted while we
// were not leader. Its RunPod pod must not bill — once it is proven ours.
func (p *Provider) reconcileGone(key string, t *tracked, l *listing, m map[string]*tracked, w *roundWork) {
	var id string
	switch {
	case t.runpodID != "":
		if _, ok := l.byID[t.runpodID]; ok {
			id = t.runpodID
		}
	case t.claim != "":
		if pr, _ := p.proveIn(l, t.claim, t.uid()); pr == proofOurs {
			id = t.claim
		}
	}
	if !t.deleted {
		w.gone = append(w.gone, pendingGone{key: key, uid: t.uid(), t: t, id: id})
		return
	}
	if id != "" {
		w.deletes = append(w.deletes, deletionOf(t, id, "its Kubernetes pod is gone"))
	}
	if !t.creating { // else the create worker deletes what it makes, then a later round drops it
		delete(m, key)
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
		if g.id != "" {
			p.q.deletes.Add(deletion{id: g.id, key: g.key, uid: g.uid, reason: "its Kubernetes pod is gone"})
		}
	}
}
