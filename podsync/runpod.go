package podsync

import (
	"context"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// RunPod is what podsync needs of the RunPod API; *runpodapi.Client has it,
// and tests run it against the simulator.
type RunPod interface {
	ListPodsPaged(ctx context.Context, onPage func(page []runpodapi.Pod, more bool)) (*runpodapi.PodList, error)
	GetPod(ctx context.Context, id string) (*runpodapi.Pod, error)
	CreatePod(ctx context.Context, req runpodapi.CreatePodRequest) (*runpodapi.Pod, error)
	UpdatePod(ctx context.Context, id string, req runpodapi.UpdatePodRequest) (*runpodapi.Pod, error)
	DeletePod(ctx context.Context, id string) error
	PodAction(ctx context.Context, id string, action runpodapi.PodAction) (*runpodapi.Pod, error)
	ListGpuTypes(ctx context.Context, q runpodapi.GpuTypeQuery) ([]runpodapi.GpuType, error)
	ListCpuTypes(ctx context.Context, q runpodapi.CpuTypeQuery) ([]runpodapi.CpuType, error)
	StreamLogs(ctx context.Context, id string, opts runpodapi.LogOptions, fn func(runpodapi.LogLine) error) error
	Budget() runpodapi.Budget

	// Account objects pods name: registry credentials and account secrets.
	ListRegistries(ctx context.Context) ([]runpodapi.Registry, error)
	CreateRegistry(ctx context.Context, req runpodapi.CreateRegistryRequest) (*runpodapi.Registry, error)
	DeleteRegistry(ctx context.Context, id string) error
	ListAccountSecrets(ctx context.Context, name string) ([]runpodapi.AccountSecret, error)
	CreateAccountSecret(ctx context.Context, req runpodapi.CreateAccountSecretRequest) (*runpodapi.AccountSecret, error)
	DeleteAccountSecret(ctx context.Context, id string) error
	ListAccountSSHKeys(ctx context.Context) ([]string, error)
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
