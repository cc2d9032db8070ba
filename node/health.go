package node

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// An outage is declared after OutageFailures consecutive outage errors, or
// when the first of an unbroken run of them is OutageAfter old: one dropped
// connection is not an outage, a slow trickle of failures is.
const (
	OutageFailures = 3
	OutageAfter    = 30 * time.Second
)

// IsOutage reports whether err means RunPod's API did not serve us:
//   - transport failures, 5xx and undecodable answers (runpodapi.ErrTransient,
//     which also covers an uncertain create);
//   - a call that timed out (context.DeadlineExceeded): RunPod did not answer;
//   - 401 (runpodapi.ErrUnauthorized): our key is bad, so no call can work
//     until someone fixes it; the condition message says so.
//
// Everything else is an answer: 400, 402, 403, 404, 409, 422 are about one
// request, and 429 means the API is up and asking us to slow down.
func IsOutage(err error) bool {
	return errors.Is(err, runpodapi.ErrTransient) ||
		errors.Is(err, runpodapi.ErrUnauthorized) ||
		errors.Is(err, context.DeadlineExceeded)
}

// HealthTracker turns RunPod call outcomes into Health. The zero value is a
// reachable API with no calls seen. Safe for concurrent use.
type HealthTracker struct {
	mu           sync.Mutex
	unreachable  bool
	since        time.Time
	failures     int
	firstFailure time.Time
	lastError    string
}

// Observe records one RunPod call's outcome at time at. Cancellation is our
// own doing (shutdown, lost leadership) and says nothing about RunPod, so it
// is ignored.
func (t *HealthTracker) Observe(err error, at time.Time) {
	if errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err == nil || !IsOutage(err) {
		if t.unreachable {
			t.unreachable = false
			t.since = at
		}
		t.failures = 0
		t.lastError = ""
		return
	}
	t.failures++
	if t.failures == 1 {
		t.firstFailure = at
	}
	t.lastError = err.Error()
	if !t.unreachable && (t.failures >= OutageFailures || at.Sub(t.firstFailure) >= OutageAfter) {
		t.unreachable = true
		t.since = t.firstFailure
	}
}

// Health is the current judgement.
func (t *HealthTracker) Health() Health {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Health{
		Reachable: !t.unreachable,
		LastError: t.lastError,
		Since:     t.since,
		Failures:  t.failures,
	}
}
