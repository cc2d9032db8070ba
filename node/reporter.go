package node

import (
	"sync"
	"time"
)

// Reporter turns podsync's per-round reports into node conditions: it feeds
// every RunPod call outcome to a HealthTracker and pushes health and spend
// through the Provider. It satisfies podsync.HealthReporter.
type Reporter struct {
	p       *Provider
	tracker HealthTracker

	mu    sync.Mutex
	spend *Spend
}

// NewReporter reports into p.
func NewReporter(p *Provider) *Reporter { return &Reporter{p: p} }

// ObserveRunPod records one call's outcome; a change of reachability is pushed.
func (r *Reporter) ObserveRunPod(err error, at time.Time) {
	r.tracker.Observe(err, at)
	r.mu.Lock()
	sp := r.spend
	r.mu.Unlock()
	if sp == nil {
		r.p.ReportHealth(r.tracker.Health())
		return
	}
	r.p.Report(r.tracker.Health(), *sp)
}

// ReportSpend records the node's live $/h and RunPod pod count.
func (r *Reporter) ReportSpend(hourlyUSD float64, pods int) {
	sp := Spend{HourlyUSD: hourlyUSD, Pods: pods}
	r.mu.Lock()
	r.spend = &sp
	r.mu.Unlock()
	r.p.Report(r.tracker.Health(), sp)
}

// ReportListing passes the listing verdict to the node's RunPodListing condition.
func (r *Reporter) ReportListing(trusted bool, reason, message string) {
	r.p.ReportListing(trusted, reason, message)
}

// Health is the current RunPod API health.
func (r *Reporter) Health() Health { return r.tracker.Health() }
