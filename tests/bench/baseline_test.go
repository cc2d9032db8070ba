package bench

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// statusGone is what the baseline records when GET /v2/pods/{id} answers 404.
const statusGone runpodapi.PodStatus = "GONE"

// baseline reads status the way the project runpod-kubelet replaces did:
// every 10 s, one GET /v2/pods/{id} per pod, one after the other. It only
// observes — it pushes nothing to Kubernetes — so its status lag is when it
// could first have known, a lower bound for the old project.
type baseline struct {
	client   *runpodapi.Client
	sim      *simulator.Server
	requests atomic.Int64 // its own HTTP attempts, counted by its client

	known map[string]bool // RunPod ids it polls until they answer 404; only run touches it

	mu        sync.Mutex
	rounds    []baselineRound
	firstSeen map[string]map[runpodapi.PodStatus]time.Time // RunPod id → status → first seen
}

type baselineRound struct {
	start, end time.Time
	requests   int64
}

func newBaseline(e *env) *baseline {
	b := &baseline{sim: e.sim, known: map[string]bool{}, firstSeen: map[string]map[runpodapi.PodStatus]time.Time{}}
	c, err := runpodapi.New(runpodapi.Config{BaseURL: e.sim.URL, APIKey: simKey, DefaultPerMinute: -1,
		MaxRetries: -1, Observer: func(runpodapi.CallResult) { b.requests.Add(1) }})
	if err != nil {
		e.t.Fatal(err)
	}
	b.client = c
	return b
}

// run polls until ctx ends: a round at once, then one every baselineInterval.
func (b *baseline) run(ctx context.Context) {
	tick := time.NewTicker(baselineInterval)
	defer tick.Stop()
	for {
		b.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (b *baseline) round(ctx context.Context) {
	start := time.Now()
	before := b.requests.Load()
	// The old project kept the ids of the pods it created in memory and
	// polled them until they were gone; the simulator's snapshot (not an API
	// call, not counted) stands in for its creates.
	for _, rp := range b.sim.Pods() {
		b.known[rp.ID] = true
	}
	for _, id := range slices.Sorted(maps.Keys(b.known)) {
		if ctx.Err() != nil {
			return
		}
		st := statusGone
		got, err := b.client.GetPod(ctx, id)
		switch {
		case err == nil:
			st = got.Status
		case errors.Is(err, runpodapi.ErrNotFound):
			delete(b.known, id)
		default:
			continue
		}
		b.saw(id, st, time.Now())
	}
	b.mu.Lock()
	b.rounds = append(b.rounds, baselineRound{start: start, end: time.Now(), requests: b.requests.Load() - before})
	b.mu.Unlock()
}

func (b *baseline) saw(id string, st runpodapi.PodStatus, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.firstSeen[id]
	if m == nil {
		m = map[runpodapi.PodStatus]time.Time{}
		b.firstSeen[id] = m
	}
	if _, ok := m[st]; !ok {
		m[st] = at
	}
}

// seenAt is when the baseline first saw the RunPod pod in one of the
// statuses (zero if never).
func (b *baseline) seenAt(id string, statuses ...runpodapi.PodStatus) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	var first time.Time
	for _, st := range statuses {
		if t, ok := b.firstSeen[id][st]; ok && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first
}

// perRound is the mean request count of the rounds that ran wholly in [from, to].
func (b *baseline) perRound(from, to time.Time) (mean float64, rounds int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var sum int64
	for _, r := range b.rounds {
		if !r.start.Before(from) && !r.end.After(to) {
			sum += r.requests
			rounds++
		}
	}
	if rounds == 0 {
		return 0, 0
	}
	return float64(sum) / float64(rounds), rounds
}

// lastRoundTook is how long the latest finished round took.
func (b *baseline) lastRoundTook() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.rounds) == 0 {
		return 0
	}
	r := b.rounds[len(b.rounds)-1]
	return r.end.Sub(r.start)
}
