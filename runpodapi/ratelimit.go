package runpodapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/dunglas/httpsfv"
	"golang.org/x/time/rate"
	"k8s.io/utils/clock"
)

// RateWindow is one quota window as the RateLimit headers describe it.
type RateWindow struct {
	Name      string        // "minute", "hour", "day"
	Quota     int           // q: requests allowed per window
	Length    time.Duration // w: window length
	Remaining int           // r: requests left in the current window
	Reset     time.Time     // now + t: when the current window resets
}

// Budget is what the client last learned about the caller's rate quota.
type Budget struct {
	Windows  []RateWindow // empty until a response carried the headers
	Observed time.Time    // when the headers were read
}

// Remaining is the smallest remaining count over all windows, or -1 when unknown.
func (b Budget) Remaining() int {
	min := -1
	for _, w := range b.Windows {
		if min < 0 || w.Remaining < min {
			min = w.Remaining
		}
	}
	return min
}

// RemainingShare is the smallest share of a window's quota left, 0 to 1,
// or -1 when unknown.
func (b Budget) RemainingShare() float64 {
	share := -1.0
	for _, w := range b.Windows {
		if w.Quota <= 0 {
			continue
		}
		if s := float64(w.Remaining) / float64(w.Quota); share < 0 || s < share {
			share = s
		}
	}
	return share
}

// SafeInterval is the shortest interval between rounds of callsPerRound
// requests that keeps every window from running dry before it resets, given
// the budget as of now. It is 0 when the budget is unknown or ample.
func (b Budget) SafeInterval(now time.Time, callsPerRound int) time.Duration {
	if callsPerRound < 1 {
		callsPerRound = 1
	}
	var longest time.Duration
	for _, w := range b.Windows {
		left := w.Reset.Sub(now)
		if left <= 0 {
			continue // the window has reset; its full quota is back
		}
		rounds := w.Remaining / callsPerRound
		var need time.Duration
		if rounds == 0 {
			need = left
		} else {
			need = left / time.Duration(rounds)
		}
		if need > longest {
			longest = need
		}
	}
	return longest
}

// rateGate keeps the client inside the advertised quota: a token bucket at
// the sustained rate of the tightest window, plus a hard stop while a window
// is exhausted or a 429 asked us to wait.
type rateGate struct {
	mu          sync.Mutex
	limiter     *rate.Limiter
	budget      Budget
	pausedUntil time.Time
	clock       clock.PassiveClock
}

func newRateGate(defaultPerMinute int, clk clock.PassiveClock) *rateGate {
	g := &rateGate{clock: clk, limiter: rate.NewLimiter(rate.Inf, 1)}
	if defaultPerMinute > 0 {
		g.limiter = rate.NewLimiter(rate.Limit(float64(defaultPerMinute)/60), burstFor(defaultPerMinute))
	}
	return g
}

// burstFor lets a whole short window's quota go out at once, as the server
// allows; the sustained rate and the hard stop at r=0 do the pacing.
func burstFor(perWindow int) int {
	return max(1, perWindow)
}

// wait blocks until a request may be sent.
func (g *rateGate) wait(ctx context.Context) error {
	g.mu.Lock()
	until, lim := g.pausedUntil, g.limiter
	g.mu.Unlock()
	if d := until.Sub(g.clock.Now()); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for RunPod rate-limit window: %w", ctx.Err())
		case <-t.C:
		}
	}
	if err := lim.Wait(ctx); err != nil {
		return fmt.Errorf("wait for RunPod rate limit: %w", err)
	}
	return nil
}

// observe reads RateLimit, RateLimit-Policy and Retry-After from a response.
func (g *rateGate) observe(resp *http.Response) {
	policy := parsePolicy(resp.Header.Get("RateLimit-Policy"))
	state := parseState(resp.Header.Get("RateLimit"))
	now := g.clock.Now()

	g.mu.Lock()
	defer g.mu.Unlock()
	if resp.StatusCode == http.StatusTooManyRequests {
		if d, ok := retryAfter(resp.Header); ok {
			g.pausedUntil = later(g.pausedUntil, now.Add(d))
		}
	}
	if len(state) == 0 && len(policy) == 0 {
		return
	}
	windows := make([]RateWindow, 0, max(len(state), len(policy)))
	sustained := math.Inf(1)
	perWindow, shortest := 0, time.Duration(0)
	for _, name := range windowOrder(policy, state) {
		w := RateWindow{Name: name, Remaining: -1}
		if p, ok := policy[name]; ok {
			w.Quota, w.Length = p.quota, p.length
			if p.length > 0 {
				sustained = math.Min(sustained, float64(p.quota)/p.length.Seconds())
				if shortest == 0 || p.length < shortest {
					shortest = p.length
					perWindow = p.quota
				}
			}
		}
		if s, ok := state[name]; ok {
			w.Remaining = s.remaining
			w.Reset = now.Add(s.reset)
			if s.remaining <= 0 {
				g.pausedUntil = later(g.pausedUntil, w.Reset)
			}
		}
		windows = append(windows, w)
	}
	g.budget = Budget{Windows: windows, Observed: now}
	if math.IsInf(sustained, 1) {
		return
	}
	l, b := rate.Limit(sustained), burstFor(perWindow)
	if l == g.limiter.Limit() && b == g.limiter.Burst() {
		return
	}
	// A new quota: start a bucket holding what the shortest window has left,
	// so the client neither bursts past the server nor waits for nothing.
	lim := rate.NewLimiter(l, b)
	if left := shortestRemaining(windows, shortest); left >= 0 && left < b {
		lim.AllowN(now, b-left)
	}
	g.limiter = lim
}

func shortestRemaining(windows []RateWindow, shortest time.Duration) int {
	for _, w := range windows {
		if w.Length == shortest {
			return w.Remaining
		}
	}
	return -1
}

func (g *rateGate) snapshot() Budget {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := g.budget
	b.Windows = append([]RateWindow(nil), b.Windows...)
	return b
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

type policyEntry struct {
	quota  int
	length time.Duration
}

type stateEntry struct {
	remaining int
	reset     time.Duration
}

// parsePolicy reads `"minute";q=60;w=60, "hour";q=3000;w=3600`.
func parsePolicy(h string) map[string]policyEntry {
	out := map[string]policyEntry{}
	forEachWindow(h, func(name string, p *httpsfv.Params) {
		q, okq := intParam(p, "q")
		w, okw := intParam(p, "w")
		if okq && okw {
			out[name] = policyEntry{quota: q, length: time.Duration(w) * time.Second}
		}
	})
	return out
}

// parseState reads `"minute";r=58;t=12, "hour";r=2800;t=1812`.
func parseState(h string) map[string]stateEntry {
	out := map[string]stateEntry{}
	forEachWindow(h, func(name string, p *httpsfv.Params) {
		r, okr := intParam(p, "r")
		t, okt := intParam(p, "t")
		if okr && okt {
			out[name] = stateEntry{remaining: r, reset: time.Duration(t) * time.Second}
		}
	})
	return out
}

func forEachWindow(h string, fn func(name string, p *httpsfv.Params)) {
	if h == "" {
		return
	}
	list, err := httpsfv.UnmarshalList([]string{h})
	if err != nil {
		return // a malformed header is ignored; the limiter keeps its last settings
	}
	for _, m := range list {
		item, ok := m.(httpsfv.Item)
		if !ok {
			continue
		}
		name, ok := item.Value.(string)
		if !ok {
			if tok, isTok := item.Value.(httpsfv.Token); isTok {
				name, ok = string(tok), true
			}
		}
		if ok && item.Params != nil {
			fn(name, item.Params)
		}
	}
}

func intParam(p *httpsfv.Params, key string) (int, bool) {
	v, ok := p.Get(key)
	if !ok {
		return 0, false
	}
	n, ok := v.(int64)
	return int(n), ok
}

// windowOrder lists window names shortest first, as the headers give them.
func windowOrder(policy map[string]policyEntry, state map[string]stateEntry) []string {
	known := []string{"minute", "hour", "day"}
	var names []string
	seen := map[string]bool{}
	for _, n := range known {
		_, a := policy[n]
		_, b := state[n]
		if a || b {
			names = append(names, n)
			seen[n] = true
		}
	}
	var extra []string
	for n := range policy {
		if !seen[n] {
			extra = append(extra, n)
			seen[n] = true
		}
	}
	for n := range state {
		if !seen[n] {
			extra = append(extra, n)
			seen[n] = true
		}
	}
	slices.Sort(extra)
	return append(names, extra...)
}

// retryAfter reads Retry-After as integer seconds (the spec's form) or an HTTP date.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t)), true
	}
	return 0, false
}
