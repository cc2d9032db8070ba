package podsync

import (
	"context"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// RunPod is what podsync needs of the RunPod API; *runpodapi.Client has it,
// and tests run it against the simulator.
type RunPod interface {
	ListPods(ctx context.Context) (*runpodapi.PodList, error)
	GetPod(ctx context.Context, id string) (*runpodapi.Pod, error)
	CreatePod(ctx context.Context, req runpodapi.CreatePodRequest) (*runpodapi.Pod, error)
	DeletePod(ctx context.Context, id string) error
	PodAction(ctx context.Context, id string, action runpodapi.PodAction) (*runpodapi.Pod, error)
	ListGpuTypes(ctx context.Context, q runpodapi.GpuTypeQuery) ([]runpodapi.GpuType, error)
	ListCpuTypes(ctx context.Context, q runpodapi.CpuTypeQuery) ([]runpodapi.CpuType, error)
	StreamLogs(ctx context.Context, id string, opts runpodapi.LogOptions, fn func(runpodapi.LogLine) error) error
	Budget() runpodapi.Budget
}

// HealthReporter receives the outcome of every reconcile round: whether
// RunPod answered, and what the node is spending. The node package implements it.
type HealthReporter interface {
	ObserveRunPod(err error, at time.Time)
	ReportSpend(hourlyUSD float64, pods int)
	// ReportListing says whether the latest GET /v2/pods walk can be
	// believed: trusted, else reason (ListingIncomplete, ListingSuspect) and why.
	ReportListing(trusted bool, reason, message string)
}

// Settings are the node-wide knobs podsync obeys.
type Settings struct {
	ClusterID         string
	NodeName          string
	NodeIP            string
	MaxGPUPrice       float64  // per GPU $/h; 0 = no cap
	MaxHourlySpend    float64  // node-wide $/h; 0 = no cap
	DataCenterIDs     []string // allow-list
	CloudType         runpodapi.Cloud
	ReconcileInterval time.Duration // steady-state interval between lists
	// FastInterval is the interval while a pod is in transition (creating,
	// provisioning, restarting); default 1s, never faster than the budget allows.
	FastInterval time.Duration
	// MissingWindow is how long a RunPod pod must be absent from every
	// complete listing before GET /v2/pods/{id} is asked whether it is gone
	// (a 404 then marks its Kubernetes pod Failed); default 2m.
	MissingWindow time.Duration
	// YoungPodGrace is how old a RunPod pod must be before its absence from
	// a listing counts at all (listings lag behind creates); default 1m.
	YoungPodGrace time.Duration
	// CreateBound is the longest a create POST can be in flight (the RunPod
	// client's timeout): a leader that took the Lease over from a live one
	// waits this long before creating a pod the old leader may have been
	// creating; default 30s.
	CreateBound time.Duration
	// Admission is what a pod must pass before any RunPod call: the node's
	// taints and the namespace allow-list.
	Admission policy.Admission
	// AccountIDs limit the volume, template and registry ids each namespace may name.
	AccountIDs policy.AccountIDs
	// OrphanGrace is how old an unmatched RunPod pod of ours must be before
	// GC deletes it; default 30s, never less.
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
	if s.OrphanGrace < 30*time.Second {
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
