package podsync

import (
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
)

// Settings are the node-wide knobs podsync obeys. The placement settings
// are the policy's own, built once by the app and passed to every plan.
type Settings struct {
	policy.NodeSettings // cluster id, node name, price cap, data centers, cloud, account ids
	NodeIP              string
	// Namespace is the kubelet's own namespace, where its SSH key Secret
	// lives; "" turns the kubelet's SSH access (exec, cp, port-forward) off.
	Namespace      string
	MaxHourlySpend float64 // node-wide $/h; 0 = no cap
	// ReconcileInterval is the shortest interval between full listings of
	// steady pods; the status budget may make it longer.
	ReconcileInterval time.Duration
	// FastInterval is the shortest interval between reads of pods in
	// transition (creating, provisioning, restarting); default 1s.
	FastInterval time.Duration
	// StatusShare is the share (0-1) of the request rate RunPod's rate-limit
	// windows sustain that status reads spend (cadence.go); 0 keeps the
	// fixed intervals even when RunPod advertises its quota.
	StatusShare float64
	// MissingWindow is how long a RunPod pod must be absent from every
	// complete listing before GET /v2/pods/{id} is asked whether it is gone
	// (a 404 then marks its Kubernetes pod Failed); default 2m.
	MissingWindow time.Duration
	// YoungPodGrace is how old a RunPod pod must be before its absence from
	// a listing counts at all (listings lag behind creates); default 1m.
	YoungPodGrace time.Duration
	// ExitedRetention is how long an ended pod's stopped RunPod pod is kept
	// for its logs (it costs nothing without a persistent disk); 0 deletes it
	// at once.
	ExitedRetention time.Duration
	// CreateBound is the longest a create POST can be in flight (the RunPod
	// client's timeout): a leader that took the Lease over from a live one
	// waits this long before creating a pod the old leader may have been
	// creating; default 30s.
	CreateBound time.Duration
	// Admission is what a pod must pass before any RunPod call: the node's
	// taints and the namespace allow-list.
	Admission policy.Admission
	// OrphanGrace is how old an unmatched RunPod pod of ours must be before
	// GC deletes it (and a duplicate of a live pod); default 30s. The app
	// keeps production installs at 30s or more; tests may go lower.
	OrphanGrace time.Duration
	// CatalogTTL is how long a GPU catalog read is reused across creates; default 10s.
	CatalogTTL time.Duration
	// MaxCandidates bounds how many placement candidates one create attempt tries; default 12.
	MaxCandidates int
	// RetryBackoff is the first wait before a create or restart is tried
	// again (no capacity, spend cap, transient errors); it doubles up to 5m. Default 5s.
	RetryBackoff time.Duration
}

func (s Settings) withDefaults() Settings {
	if s.ReconcileInterval <= 0 {
		s.ReconcileInterval = 10 * time.Second
	}
	if s.FastInterval <= 0 {
		s.FastInterval = time.Second
	}
	if s.MissingWindow <= 0 {
		s.MissingWindow = 2 * time.Minute
	}
	if s.YoungPodGrace <= 0 {
		s.YoungPodGrace = time.Minute
	}
	if s.CreateBound <= 0 {
		s.CreateBound = 30 * time.Second
	}
	if s.Admission.NodeName == "" {
		s.Admission.NodeName = s.NodeName
	}
	if s.OrphanGrace <= 0 {
		s.OrphanGrace = 30 * time.Second
	}
	if s.CatalogTTL <= 0 {
		s.CatalogTTL = 10 * time.Second
	}
	if s.MaxCandidates <= 0 {
		s.MaxCandidates = 12
	}
	if s.RetryBackoff <= 0 {
		s.RetryBackoff = 5 * time.Second
	}
	return s
}
