package simulator

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// window is one fixed rate-limit window, aligned to UTC minute/hour/day boundaries.
type window struct {
	name  string
	size  time.Duration
	quota int
}

// rateLimiter enforces fixed minute/hour/day windows per API key.
type rateLimiter struct {
	windows []window // enabled windows only
	policy  string   // the RateLimit-Policy header value

	mu   sync.Mutex
	used map[string][]windowUse // per key, parallel to windows
}

type windowUse struct {
	start time.Time
	count int
}

func newRateLimiter(q Quota) *rateLimiter {
	rl := &rateLimiter{used: map[string][]windowUse{}}
	for _, w := range []window{{"minute", time.Minute, q.Minute}, {"hour", time.Hour, q.Hour}, {"day", 24 * time.Hour, q.Day}} {
		if w.quota > 0 {
			rl.windows = append(rl.windows, w)
		}
	}
	parts := make([]string, len(rl.windows))
	for i, w := range rl.windows {
		parts[i] = fmt.Sprintf("%q;q=%d;w=%d", w.name, w.quota, int(w.size/time.Second))
	}
	rl.policy = strings.Join(parts, ", ")
	return rl
}

// admit counts one request of key at now. It sets the RateLimit and
// RateLimit-Policy headers and, when a window is exhausted, answers 429 with
// Retry-After and returns false; a refused request consumes no quota.
func (rl *rateLimiter) admit(w http.ResponseWriter, key string, now time.Time) bool {
	if len(rl.windows) == 0 {
		return true
	}
	rl.mu.Lock()
	use := rl.current(key, now)
	exhausted := -1
	for i, win := range rl.windows {
		if use[i].count >= win.quota && (exhausted < 0 || rl.resetIn(exhausted, use, now) < rl.resetIn(i, use, now)) {
			exhausted = i
		}
	}
	if exhausted < 0 {
		for i := range use {
			use[i].count++
		}
	}
	header := rl.header(use, now)
	wait := rl.resetIn(max(exhausted, 0), use, now)
	rl.mu.Unlock()

	w.Header().Set("RateLimit", header)
	w.Header().Set("RateLimit-Policy", rl.policy)
	if exhausted < 0 {
		return true
	}
	w.Header().Set("Retry-After", retryAfter(wait))
	writeProblem(w, problemf(http.StatusTooManyRequests, "rate limit exceeded for the %s window", rl.windows[exhausted].name))
	return false
}

// current returns key's usage with windows that have rolled over reset; the
// lock is held.
func (rl *rateLimiter) current(key string, now time.Time) []windowUse {
	use := rl.used[key]
	if use == nil {
		use = make([]windowUse, len(rl.windows))
		rl.used[key] = use
	}
	for i, win := range rl.windows {
		if start := now.Truncate(win.size); !start.Equal(use[i].start) {
			use[i] = windowUse{start: start}
		}
	}
	return use
}

func (rl *rateLimiter) resetIn(i int, use []windowUse, now time.Time) time.Duration {
	return use[i].start.Add(rl.windows[i].size).Sub(now)
}

// header renders `"minute";r=58;t=12, "hour";r=2800;t=1812, ...`.
func (rl *rateLimiter) header(use []windowUse, now time.Time) string {
	parts := make([]string, len(rl.windows))
	for i, win := range rl.windows {
		parts[i] = fmt.Sprintf("%q;r=%d;t=%s", win.name, max(win.quota-use[i].count, 0), retryAfter(rl.resetIn(i, use, now)))
	}
	return strings.Join(parts, ", ")
}

// retryAfter renders a wait as whole seconds, rounded up, at least 1.
func retryAfter(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(secs, 1), 10)
}
