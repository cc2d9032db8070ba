package runpodapi

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/dunglas/httpsfv"
)

// RateWindow is one quota window as the RateLimit headers describe it.
type RateWindow struct {
	Name      string        // "minute", "hour", "day"
	Quota     int           // q: requests allowed per window
	Length    time.Duration // w: window length
	Remaining int           // r: requests left in the current window
	Reset     time.Time     // now + t: when the current window resets
	// StatusUsed is what the client's rate gate let status reads take of
	// the current window (its own count, not a header's).
	StatusUsed int
}

// TransitRoom is what status reads of pods in transition may still take of
// the window: the rate gate holds them once status reads took
// transitMaxShare of it (or Remaining is spent), whatever the cadence asks.
func (w RateWindow) TransitRoom() int {
	if w.Quota <= 0 {
		return w.Remaining
	}
	return min(w.Remaining, shareOfQuota(w.Quota, transitMaxShare)-w.StatusUsed)
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

// SustainableRate is the fastest steady request rate, per second, that the
// windows allow from now on: the shortest window's quota over its length,
// lowered by any longer window whose remaining requests spread over the time
// to its reset are fewer (other clients of the key spend those too). The
// shortest window's own remaining count is not a rate: what a burst left of
// it comes back at its reset, and the rate gate keeps requests inside it.
// ok is false while no window is known.
func (b Budget) SustainableRate(now time.Time) (perSecond float64, ok bool) {
	shortest := -1
	for i, w := range b.Windows {
		if w.Length > 0 && w.Quota > 0 && (shortest < 0 || w.Length < b.Windows[shortest].Length) {
			shortest = i
		}
	}
	perSecond = math.Inf(1)
	if shortest >= 0 {
		w := b.Windows[shortest]
		perSecond, ok = float64(w.Quota)/w.Length.Seconds(), true
	}
	for i, w := range b.Windows {
		if left := w.Reset.Sub(now); i != shortest && w.Remaining >= 0 && left > 0 {
			perSecond, ok = math.Min(perSecond, float64(w.Remaining)/left.Seconds()), true
		}
	}
	if !ok {
		return 0, false
	}
	return perSecond, true
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
