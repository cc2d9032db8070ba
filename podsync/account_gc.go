package podsync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// accountGCEvery is how many orphan graces apart the account objects are
// listed: two RunPod calls a pass (30 s grace → every 2 minutes), and none
// at all while this node has no objects and made none since the last pass.
const accountGCEvery = 4

// collectAccountObjects deletes the account secrets and registry
// credentials this node made (policy.OwnedNamePrefix) that no pod of the
// latest complete listing references — any pod of the account, running or
// stopped — after they stayed unreferenced for the orphan grace and no
// create needed them within it. Others' objects are never touched.
func (p *Provider) collectAccountObjects(ctx context.Context, l *listing, now time.Time) {
	if !p.acct.due(now, accountGCEvery*p.s.OrphanGrace, p.s.OrphanGrace) {
		return
	}
	secretRefs, registryRefs := accountReferences(l)
	own := 0
	if secrets, err := p.rp.ListAccountSecrets(ctx, ""); err != nil {
		p.log.Warn("list RunPod account secrets for garbage collection; a later pass retries", "err", err)
	} else {
		for _, s := range secrets {
			if !strings.HasPrefix(s.Name, p.acct.prefix) {
				continue
			}
			own++
			if p.acct.collectable(s.Name, secretRefs[s.Name], now, p.s.OrphanGrace, p.neededWindow()) {
				p.deleteAccountObject(ctx, "account secret", s.Name, s.ID, p.rp.DeleteAccountSecret)
			}
		}
	}
	if regs, err := p.rp.ListRegistries(ctx); err != nil {
		p.log.Warn("list RunPod registry credentials for garbage collection; a later pass retries", "err", err)
	} else {
		for _, r := range regs {
			if !strings.HasPrefix(r.Name, p.acct.prefix) {
				continue
			}
			own++
			if p.acct.collectable(r.Name, registryRefs[r.ID], now, p.s.OrphanGrace, p.neededWindow()) {
				p.deleteAccountObject(ctx, "registry credential", r.Name, r.ID, p.rp.DeleteRegistry)
			}
		}
	}
	p.acct.passDone(own > 0)
}

// accountReferences are the account secret names and registry ids the
// listed pods use.
func accountReferences(l *listing) (secrets, registries map[string]bool) {
	secrets, registries = map[string]bool{}, map[string]bool{}
	for _, rp := range l.byID {
		for _, n := range policy.ReferencedSecretNames(rp.Env) {
			secrets[n] = true
		}
		if rp.Registry != nil && *rp.Registry != "" {
			registries[*rp.Registry] = true
		}
	}
	return secrets, registries
}

func (p *Provider) deleteAccountObject(ctx context.Context, kind, name, id string, del func(context.Context, string) error) {
	err := del(ctx, id)
	defer p.acct.deleted(name)
	switch {
	case err == nil || errors.Is(err, runpodapi.ErrNotFound):
		p.log.Info("deleted an unused RunPod "+kind+" of this node", "name", name, "id", id)
		p.nodeEvent(corev1.EventTypeNormal, EventAccountObjectDeleted, fmt.Sprintf("deleted RunPod %s %s: no pod uses it any more", kind, name))
	default: // e.g. 400 while a pod still uses it: a later pass decides again
		p.log.Warn("delete an unused RunPod "+kind+"; a later pass retries", "name", name, "id", id, "err", err)
	}
}

// due says whether a GC pass should run now: the first of the term, then
// every interval while this node has objects or made some since.
func (a *accountObjects) due(now time.Time, interval, grace time.Duration) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.unusedSince) > 0 {
		interval = grace // something is on its way out: look again after the grace
	}
	if !a.lastPass.IsZero() && now.Sub(a.lastPass) < interval {
		return false
	}
	if !a.lastPass.IsZero() && !a.ownSeen && !a.neededSince(a.lastPass) {
		return false
	}
	if a.firstPass.IsZero() {
		a.firstPass = now
	}
	a.lastPass = now
	return true
}

func (a *accountObjects) neededSince(t time.Time) bool {
	for _, at := range a.needed {
		if !at.Before(t) {
			return true
		}
	}
	return false
}

func (a *accountObjects) passDone(ownSeen bool) {
	a.mu.Lock()
	a.ownSeen = ownSeen
	a.mu.Unlock()
}

// neededWindow is how long a create's need protects an object: the grace,
// or longer while a POST that names it may still land.
func (p *Provider) neededWindow() time.Duration { return max(p.s.OrphanGrace, p.s.CreateBound) }

// collectable says whether an own object may go: unreferenced, not needed
// by a create within window, and unreferenced for grace already.
func (a *accountObjects) collectable(name string, referenced bool, now time.Time, grace, window time.Duration) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if at, ok := a.needed[name]; referenced || ok && now.Sub(at) < window {
		delete(a.unusedSince, name)
		return false
	}
	since, seen := a.unusedSince[name]
	if !seen {
		a.unusedSince[name] = now
		return false
	}
	if now.Sub(since) < grace || now.Sub(a.firstPass) < window {
		return false // a POST of the term before this one may still land naming it
	}
	a.deleting[name] = true // from here on a create waits instead of counting on it
	delete(a.secrets, name)
	delete(a.registries, name)
	return true
}

// deleted ends a GC deletion: a later create makes the object again.
func (a *accountObjects) deleted(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.deleting, name)
	delete(a.unusedSince, name)
}
