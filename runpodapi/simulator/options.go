package simulator

import (
	"time"

	"k8s.io/utils/clock"
)

// Quota is the per-window request quota of one API key; 0 disables that window.
type Quota struct{ Minute, Hour, Day int }

// Options configure a Simulator.
type Options struct {
	APIKey            string        // bearer key accepted; required
	Seed              int64         // random seed for ids, IPs, fault dice
	ProvisioningDelay time.Duration // PROVISIONING → STARTING
	StartingDelay     time.Duration // STARTING → RUNNING
	LogInterval       time.Duration // the default output (doc.go) prints one container log line per interval
	Quota             Quota         // rate limits; the zero Quota disables limits and their headers
	// PageSize is how many pods one GET /v2/pods page holds (the live API
	// paginates; its page size is not documented). 0 means DefaultPageSize.
	PageSize int
	// Machines overrides DefaultMachines per GPU type id: the host vCPUs and
	// GB of RAM per GPU that create filters compare against.
	Machines map[string]MachineSpec
	// PrivateImages are the private repositories ("host[:port]/path" or a
	// Docker Hub name) and the login each one's registry wants (SetPrivateImage).
	PrivateImages map[string]RegistryLogin
	Clock         clock.PassiveClock // optional clock for tests; default the real clock
}

// DefaultOptions are demo-friendly: pods run after ~4s, one log line a
// second, and the spec's example quota of 60/minute, 3000/hour, 50000/day.
func DefaultOptions(apiKey string) Options {
	return Options{
		APIKey:            apiKey,
		Seed:              1,
		ProvisioningDelay: 2 * time.Second,
		StartingDelay:     2 * time.Second,
		LogInterval:       time.Second,
		Quota:             Quota{Minute: 60, Hour: 3000, Day: 50000},
	}
}

// DefaultPageSize is the page size of GET /v2/pods when Options.PageSize is 0.
const DefaultPageSize = 100

// withDefaults fills what a zero Options leaves unusable.
func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.LogInterval <= 0 {
		o.LogInterval = time.Second
	}
	if o.ProvisioningDelay < 0 {
		o.ProvisioningDelay = 0
	}
	if o.StartingDelay < 0 {
		o.StartingDelay = 0
	}
	return o
}

// logPollInterval is how often a log stream looks for new lines.
func (o Options) logPollInterval() time.Duration {
	return min(max(o.LogInterval/4, 10*time.Millisecond), 100*time.Millisecond)
}
