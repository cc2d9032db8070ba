package podsync

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// accountObjects is what this term knows of the account secrets and
// registry credentials its pods need: a cache of what exists (names are
// deterministic, so RunPod is the truth and a new term relearns it), when
// each was last needed by a create (GC spares those), and how long each
// unreferenced one has been unused.
type accountObjects struct {
	prefix string // policy.OwnedNamePrefix: only these are ever deleted

	mu          sync.Mutex
	registry    sync.Mutex           // serialises credential lookups, so two creates make one
	secrets     map[string]bool      // account secret names known to exist
	registries  map[string]string    // credential name → id, known to exist
	needed      map[string]time.Time // name → last create that needed it
	unusedSince map[string]time.Time // own object name → first pass that saw it unreferenced
	deleting    map[string]bool      // GC is deleting it: a create must not count on it
	firstPass   time.Time            // the term's first GC pass: a POST of the term before may still land
	lastPass    time.Time
	ownSeen     bool // the last GC pass found own objects
}

func newAccountObjects(prefix string) *accountObjects {
	return &accountObjects{prefix: prefix, secrets: map[string]bool{}, registries: map[string]string{},
		needed: map[string]time.Time{}, unusedSince: map[string]time.Time{}, deleting: map[string]bool{}}
}

// errBeingDeleted holds a create back while GC deletes an object it names;
// the next attempt makes it again.
var errBeingDeleted = errors.New("garbage collection is deleting it as unused; the next attempt makes it again")

// touchPlan marks everything a plan names as needed now: each POST of a
// create renews it, so GC never deletes what a POST in flight names.
func (a *accountObjects) touchPlan(plan *policy.PlacementPlan, now time.Time) {
	for _, s := range plan.Secrets {
		a.markNeeded(s.Name, now)
	}
	if plan.RegistryLogin != nil {
		a.markNeeded(plan.RegistryLogin.Name, now)
	}
}

func (a *accountObjects) markNeeded(name string, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.needed[name] = now
	delete(a.unusedSince, name)
}

// ensureAccountObjects makes the account secrets and the registry
// credential a plan names exist before its create, and puts the
// credential's id into the candidates. A value RunPod will not take is a
// refusal; anything else waits with back-off.
func (p *Provider) ensureAccountObjects(ctx context.Context, pod *corev1.Pod, plan *policy.PlacementPlan) (createResult, bool) {
	for _, s := range plan.Secrets {
		if err := p.ensureSecret(ctx, s); err != nil {
			return p.accountObjectFailed(pod, fmt.Errorf("store a value from a Secret as RunPod account secret %s: %w", s.Name, err)), false
		}
	}
	if l := plan.RegistryLogin; l != nil {
		id, err := p.ensureRegistry(ctx, *l)
		if err != nil {
			return p.accountObjectFailed(pod, fmt.Errorf("make RunPod registry credential %s from imagePullSecret %s: %w", l.Name, l.SecretName, err)), false
		}
		plan.SetRegistry(id)
	}
	return createResult{}, true
}

func (p *Provider) accountObjectFailed(pod *corev1.Pod, err error) createResult {
	if errors.Is(err, runpodapi.ErrInvalid) || errors.Is(err, runpodapi.ErrTooLarge) {
		return p.refuse(pod, err) // the value itself is refused: it will not get better
	}
	return p.wait(pod, ReasonCreateErr, err.Error(), EventCreateError)
}

// ensureSecret creates an account secret unless it is known to exist; a
// taken name (409) is the same content, since names carry a content MAC.
func (p *Provider) ensureSecret(ctx context.Context, s policy.AccountSecret) error {
	a := p.acct
	a.markNeeded(s.Name, p.now())
	a.mu.Lock()
	known, deleting := a.secrets[s.Name], a.deleting[s.Name]
	a.mu.Unlock()
	if deleting {
		return errBeingDeleted
	}
	if known {
		return nil
	}
	_, err := p.rp.CreateAccountSecret(ctx, runpodapi.CreateAccountSecretRequest{Name: s.Name, Value: s.Value,
		Description: "runpod-kubelet: a Kubernetes Secret's value for node " + p.s.NodeName})
	if err != nil && !errors.Is(err, runpodapi.ErrConflict) {
		return err
	}
	a.mu.Lock()
	a.secrets[s.Name] = true
	a.mu.Unlock()
	if err == nil {
		p.log.Info("stored a Secret's value as a RunPod account secret", "name", s.Name)
	}
	return nil
}

// ensureRegistry returns the id of the credential named l.Name, creating it
// when the account has none of that name.
func (p *Provider) ensureRegistry(ctx context.Context, l policy.RegistryLogin) (string, error) {
	a := p.acct
	a.markNeeded(l.Name, p.now())
	a.registry.Lock()
	defer a.registry.Unlock()
	a.mu.Lock()
	id, deleting := a.registries[l.Name], a.deleting[l.Name]
	a.mu.Unlock()
	if deleting {
		return "", errBeingDeleted
	}
	if id != "" {
		return id, nil
	}
	list, err := p.rp.ListRegistries(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range list {
		if r.Name == l.Name {
			id = r.ID
		}
	}
	if id == "" {
		r, err := p.rp.CreateRegistry(ctx, runpodapi.CreateRegistryRequest{Name: l.Name, Username: l.Username, Password: l.Password})
		if err != nil {
			return "", err
		}
		id = r.ID
		p.log.Info("made a RunPod registry credential from an imagePullSecret", "name", l.Name, "id", id, "secret", l.SecretName)
	}
	a.mu.Lock()
	a.registries[l.Name] = id
	a.mu.Unlock()
	return id, nil
}
