package podsync

import (
	"slices"
	"sync"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// provisioningSamples is how many recent starts the estimate remembers.
const provisioningSamples = 16

// provisioning learns how long RunPod takes to bring up the pods this term
// creates (startedAt − createdAt, both RunPod's clock), so that a pod just
// created is not read every FastInterval while it cannot be running yet: its
// reads of a pod in transition wait until the shortest recent start has
// passed, less one FastInterval. Under the example quota a start read every
// second from its create spends six reads where two do. The shortest, not a
// typical one, so a start as fast as any seen is still read at once; an
// empty estimate (a new term) holds nothing. A cache: lost with the term.
type provisioning struct {
	mu     sync.Mutex
	recent []time.Duration // the last provisioningSamples starts, oldest first
}

func newProvisioning() *provisioning { return &provisioning{} }

// observe learns from rp, a pod this term created seen RUNNING for the first time.
func (pv *provisioning) observe(rp *runpodapi.Pod) {
	if rp.StartedAt == nil || rp.CreatedAt.IsZero() || rp.StartedAt.Before(rp.CreatedAt) {
		return
	}
	pv.mu.Lock()
	defer pv.mu.Unlock()
	pv.recent = append(pv.recent, rp.StartedAt.Sub(rp.CreatedAt))
	if len(pv.recent) > provisioningSamples {
		pv.recent = slices.Delete(pv.recent, 0, len(pv.recent)-provisioningSamples)
	}
}

// shortest is the shortest recent start, 0 while none was seen.
func (pv *provisioning) shortest() time.Duration {
	pv.mu.Lock()
	defer pv.mu.Unlock()
	if len(pv.recent) == 0 {
		return 0
	}
	return slices.Min(pv.recent)
}

// readFrom is when t, in transition, is first worth reading: for a pod this
// term created that no read has shown past STARTING, its create plus the
// shortest recent start less fast; for any other, zero (at once).
func (pv *provisioning) readFrom(t *tracked, fast time.Duration) time.Time {
	if !t.provisioning || t.createdAt.IsZero() {
		return time.Time{}
	}
	if t.runpod != nil && t.runpod.Status != runpodapi.StatusProvisioning && t.runpod.Status != runpodapi.StatusStarting {
		return time.Time{}
	}
	shortest := pv.shortest()
	if shortest <= fast {
		return time.Time{}
	}
	return t.createdAt.Add(shortest - fast)
}

// earliest is the earlier of a and b, a zero time counting as none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
