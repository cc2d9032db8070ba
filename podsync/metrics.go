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
	// RoundDone reports one reconcile round's figures.
	RoundDone(RoundFigures)
	// Count adds one to an operation counter (Op*).
	Count(op string)
	// StatusBudget reports the status reads' budget in requests a minute
	// (0 while RunPod has not advertised its quota).
	StatusBudget(perMinute float64)
}

type nopObserver struct{}

func (nopObserver) RoundDone(RoundFigures) {}
func (nopObserver) Count(string)           {}
func (nopObserver) StatusBudget(float64)   {}

// RoundFigures are what one reconcile round saw.
type RoundFigures struct {
	Took      time.Duration  // the round's duration
	ListedAt  time.Time      // when its listing was taken: how fresh every status is
	ByStatus  map[string]int // this node's RunPod pods by RunPod status
	HourlyUSD float64        // what they bill
	Waiting   map[string]int // pods held back from RunPod, by waiting reason (Reason*)
	Usage     []PodUsage     // running pods' CPU, memory and GPU figures
}
