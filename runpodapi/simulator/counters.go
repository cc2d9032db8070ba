package simulator

import (
	"maps"
	"sync"
)

// counters count public API requests by route ("GET /v2/pods/{id}"),
// whatever their outcome: faulted, rate limited and unauthorized included.
type counters struct {
	mu sync.Mutex
	n  map[string]int64
}

func newCounters() *counters { return &counters{n: map[string]int64{}} }

func (c *counters) add(route string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[route]++
}

// Counters returns requests received per route since New or ResetCounters.
// Requests to unknown paths count as "<METHOD> (unknown)"; /_sim/ admin
// requests are not counted.
func (s *Simulator) Counters() map[string]int64 {
	s.counters.mu.Lock()
	defer s.counters.mu.Unlock()
	return maps.Clone(s.counters.n)
}

// ResetCounters zeroes the request counters.
func (s *Simulator) ResetCounters() {
	s.counters.mu.Lock()
	defer s.counters.mu.Unlock()
	clear(s.counters.n)
}
