package podsync

import "time"

// Operations counted for /metrics.
const (
	OpCreate       = "create"        // a RunPod pod created
	OpAdopt        = "adopt"         // an existing RunPod pod adopted (by annotation or name)
	OpDelete       = "delete"        // a RunPod pod deleted for its Kubernetes pod
	OpOrphanDelete = "orphan_delete" // an orphan collected
	OpRestart      = "restart"       // a RunPod pod started again per restartPolicy
	OpRefuse       = "refuse"        // a pod refused by the policy
	OpCreateError  = "create_error"  // a create held back (no capacity, spend cap, RunPod error)
)

// Observer receives podsync's figures for /metrics. Methods must be cheap and
// must not block; they are called outside the tracker lock.
type Observer interface {
	// RoundDone reports one reconcile round: its duration, this node's RunPod
	// pods by status and their $/h.
	RoundDone(d time.Duration, byStatus map[string]int, hourlyUSD float64)
	// Count adds one to an operation counter (Op*).
	Count(op string)
}

type nopObserver struct{}

func (nopObserver) RoundDone(time.Duration, map[string]int, float64) {}
func (nopObserver) Count(string)                                     {}
