package simulator

import (
	"net/http"
	"sync"
	"time"
)

// Faults are failures injected into the public API, after counting and
// authentication. The zero Faults injects nothing.
type Faults struct {
	Latency        time.Duration // added to every request
	ErrorRate      float64       // fraction of requests answered 500/502/503 problem+json
	RateLimitStorm bool          // every authenticated request answered 429 with Retry-After
	CreateThen500  int           // the next N successful creates make the pod but answer 500
	ResetRate      float64       // fraction of requests whose connection is dropped (no response)
	OutageUntil    time.Time     // until then (simulator clock) every request answers 503
	// ListLag leaves pods younger than this out of GET /v2/pods (GET
	// /v2/pods/{id} finds them): a listing that lags behind creates.
	ListLag time.Duration
	// EmptyLists answers the next N listings with one empty, complete page
	// (a wrong answer that decodes to zero pods).
	EmptyLists int
	// FailPages answers the next N requests for a page after the first with 500.
	FailPages int
	// SlowCreate holds each POST /v2/pods this long before the pod is made
	// and answered: a create still in flight when its sender goes away.
	SlowCreate time.Duration
}

// faultState holds the active faults.
type faultState struct {
	mu sync.Mutex
	f  Faults
}

// SetFaults replaces the active faults.
func (s *Simulator) SetFaults(f Faults) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.f = f
}

// CurrentFaults returns the active faults, with CreateThen500 counting down.
func (s *Simulator) CurrentFaults() Faults {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.f
}

// takeCreateThen500 consumes one CreateThen500 fault, reporting whether there was one.
func (fs *faultState) takeCreateThen500() bool {
	return fs.take(func(f *Faults) *int { return &f.CreateThen500 })
}

// take consumes one of the counted faults field picks, reporting whether there was one.
func (fs *faultState) take(field func(*Faults) *int) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := field(&fs.f)
	if *n <= 0 {
		return false
	}
	*n--
	return true
}

// gateway applies latency, connection resets, the rate limit and the other
// faults, in that order. It reports whether the request may reach its handler;
// when it may not, the response has been written (or the connection dropped).
func (s *Simulator) gateway(w http.ResponseWriter, r *http.Request) bool {
	f := s.CurrentFaults()
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false
		}
	}
	if s.dice.chance(f.ResetRate) {
		dropConnection(w)
		return false
	}
	now := s.now()
	if !s.limiter.Load().admit(w, bearerKey(r), now) {
		return false
	}
	switch {
	case now.Before(f.OutageUntil):
		w.Header().Set("Retry-After", retryAfter(f.OutageUntil.Sub(now)))
		writeProblem(w, problemf(http.StatusServiceUnavailable, "the API is temporarily unavailable (simulated outage)"))
		return false
	case f.RateLimitStorm:
		w.Header().Set("Retry-After", "1")
		writeProblem(w, problemf(http.StatusTooManyRequests, "rate limit exceeded for the minute window"))
		return false
	case s.dice.chance(f.ErrorRate):
		statuses := [...]int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}
		writeProblem(w, problemf(statuses[s.dice.intN(len(statuses))], "simulated upstream failure"))
		return false
	}
	return true
}

// dropConnection closes the connection without answering.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the stream instead
}
