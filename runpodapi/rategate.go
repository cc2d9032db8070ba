package runpodapi

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/utils/clock"
)

// What status reads may take of each window, as a share of its quota: at
// most statusMaxShare whatever else waits (creates and deletes always keep
// the rest), and at least statusFloorShare while other requests wait (so
// status never stops during a burst of creates). Reads of pods in
// transition may take up to transitMaxShare, so the few starts that come
// after a window's listings are not held until the next window.
const (
	statusMaxShare   = 0.4
	transitMaxShare  = 0.5
	statusFloorShare = 0.02 // one request of a 60-a-minute window
	// contendedFor is how long after a create or delete had to wait
	// status reads still get only their floor: between two creates of a
	// burst a worker is busy, not waiting, and a status read would take its turn.
	contendedFor = time.Second
)

type priority int

const (
	priorityWork    priority = iota // creates, deletes, actions, account objects
	priorityTransit                 // status reads of pods in transition, by id
	priorityStatus                  // other status reads: listing pages
	priorities
)

type priorityKey struct{}

// WithStatusRead marks ctx's requests as status reads: the rate gate serves
// every other request first, keeping status reads to their floor of each
// window while others wait, and never lets them take more than 40 % of one.
func WithStatusRead(ctx context.Context) context.Context {
	return context.WithValue(ctx, priorityKey{}, priorityStatus)
}

// WithTransitionRead marks ctx's requests as status reads of pods in
// transition: as WithStatusRead, but served before other status reads and
// with a larger share of each window (transitMaxShare).
func WithTransitionRead(ctx context.Context) context.Context {
	return context.WithValue(ctx, priorityKey{}, priorityTransit)
}

func priorityOf(ctx context.Context) priority {
	p, _ := ctx.Value(priorityKey{}).(priority)
	return p
}

// gateWindow is one advertised window as the gate counts it: Remaining is
// decremented for every request sent and lowered by every response's
// header, so concurrent requests cannot overrun it; it refills at Reset.
type gateWindow struct {
	RateWindow // its StatusUsed counts status reads sent in the current window
}

func (w *gateWindow) known() bool { return w.Remaining >= 0 }

func (w *gateWindow) statusFloor() int {
	if w.Quota <= 0 {
		return 0
	}
	return max(1, int(float64(w.Quota)*statusFloorShare))
}

// statusCap is what status reads of prio may take of w, counting both kinds.
func (w *gateWindow) statusCap(prio priority) int {
	if w.Quota <= 0 {
		return int(^uint(0) >> 1)
	}
	share := statusMaxShare
	if prio == priorityTransit {
		share = transitMaxShare
	}
	return shareOfQuota(w.Quota, share)
}

// shareOfQuota is share of quota in whole requests, at least one.
func shareOfQuota(quota int, share float64) int { return max(1, int(float64(quota)*share)) }

// rateGate keeps the client inside the advertised quota: it counts every
// window itself (fixed windows, as RunPod and the simulator keep them), so
// no request is sent into an exhausted one, stops while a 429 asked to wait,
// and serves status reads after everything else. Until the server advertises
// its windows, a token bucket at the configured default paces requests.
type rateGate struct {
	clock    clock.PassiveClock
	fallback *rate.Limiter

	mu          sync.Mutex
	windows     []gateWindow
	observed    time.Time
	pausedUntil time.Time
	workHeld    time.Time       // when a request of priorityWork was last held back, or let go after that
	waiting     [priorities]int // requests waiting, per priority
	changed     chan struct{}   // closed and replaced whenever a waiter may now pass
}

func newRateGate(defaultPerMinute int, clk clock.PassiveClock) *rateGate {
	g := &rateGate{clock: clk, fallback: rate.NewLimiter(rate.Inf, 1), changed: make(chan struct{})}
	if defaultPerMinute > 0 {
		g.fallback = rate.NewLimiter(rate.Limit(float64(defaultPerMinute)/60), max(1, defaultPerMinute))
	}
	return g
}

// wait blocks until a request of ctx's priority may be sent, and counts it.
func (g *rateGate) wait(ctx context.Context) error {
	prio := priorityOf(ctx)
	held := false
	g.mu.Lock()
	g.waiting[prio]++
	for {
		now := g.clock.Now()
		g.roll(now)
		wake, ok := g.admit(prio, now)
		if (!ok || held) && prio == priorityWork {
			g.workHeld, held = now, true // refused, or admitted after being held
		}
		if ok {
			g.leave(prio)
			paced := len(g.windows) == 0
			g.mu.Unlock()
			if paced {
				if err := g.fallback.Wait(ctx); err != nil {
					return fmt.Errorf("wait for RunPod rate limit: %w", err)
				}
			}
			return nil
		}
		changed := g.changed
		g.mu.Unlock()
		err := sleepUntil(ctx, changed, wake.Sub(now))
		g.mu.Lock()
		if err != nil {
			g.leave(prio)
			g.mu.Unlock()
			return fmt.Errorf("wait for RunPod rate-limit window: %w", err)
		}
	}
}

// leave drops a waiter and wakes the others: what it held back may pass now.
// The lock is held.
func (g *rateGate) leave(prio priority) {
	g.waiting[prio]--
	g.notify()
}

func (g *rateGate) notify() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// sleepUntil waits for changed, d (when positive) or ctx.
func sleepUntil(ctx context.Context, changed <-chan struct{}, d time.Duration) error {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-changed:
	case <-timeout:
	}
	return nil
}

// admit counts one request of prio if every window lets it through, else
// says when to look again (zero: when something changes). The lock is held.
func (g *rateGate) admit(prio priority, now time.Time) (wake time.Time, ok bool) {
	if now.Before(g.pausedUntil) {
		return g.pausedUntil, false
	}
	for i := range g.windows {
		w := &g.windows[i]
		if !w.known() {
			continue
		}
		status := prio != priorityWork
		if w.Remaining-g.keep(prio, w) <= 0 || (status && w.StatusUsed >= w.statusCap(prio)) {
			return w.Reset, false
		}
		if status && w.StatusUsed >= w.statusFloor() {
			if g.waiting[priorityWork] > 0 {
				return time.Time{}, false // the others go first; status has had its floor of this window
			}
			if until := g.workHeld.Add(contendedFor); now.Before(until) {
				return until, false // a burst of creates is going on: its next request comes in a moment
			}
		}
		if prio == priorityStatus && g.waiting[priorityTransit] > 0 {
			return time.Time{}, false // a pod in transition is read before the next page
		}
	}
	for i := range g.windows {
		if w := &g.windows[i]; w.known() {
			w.Remaining--
			if prio != priorityWork {
				w.StatusUsed++
			}
		}
	}
	return time.Time{}, true
}

// keep is what a request of prio must leave in w: other requests leave a
// waiting status read the rest of its floor.
func (g *rateGate) keep(prio priority, w *gateWindow) int {
	if prio != priorityWork || g.waiting[priorityStatus]+g.waiting[priorityTransit] == 0 {
		return 0
	}
	return max(0, w.statusFloor()-w.StatusUsed)
}

// roll refills every window whose reset has passed. The lock is held.
func (g *rateGate) roll(now time.Time) {
	for i := range g.windows {
		w := &g.windows[i]
		if !w.known() || now.Before(w.Reset) {
			continue
		}
		if w.Length <= 0 || w.Quota <= 0 {
			w.Remaining = -1 // its size is unknown: wait for the next header
			continue
		}
		for !now.Before(w.Reset) {
			w.Reset = w.Reset.Add(w.Length)
		}
		w.Remaining, w.StatusUsed = w.Quota, 0
	}
}

// observe reads RateLimit, RateLimit-Policy and Retry-After from a response.
func (g *rateGate) observe(resp *http.Response) {
	policy := parsePolicy(resp.Header.Get("RateLimit-Policy"))
	state := parseState(resp.Header.Get("RateLimit"))
	now := g.clock.Now()

	g.mu.Lock()
	defer g.mu.Unlock()
	defer g.notify()
	if resp.StatusCode == http.StatusTooManyRequests {
		if d, ok := retryAfter(resp.Header); ok {
			g.pausedUntil = later(g.pausedUntil, now.Add(d))
		}
	}
	if len(state) == 0 && len(policy) == 0 {
		return
	}
	windows := make([]gateWindow, 0, max(len(state), len(policy)))
	for _, name := range windowOrder(policy, state) {
		w := g.window(name)
		if p, ok := policy[name]; ok {
			w.Quota, w.Length = p.quota, p.length
		}
		if s, ok := state[name]; ok {
			w.merge(s.remaining, now.Add(s.reset))
		}
		windows = append(windows, w)
	}
	g.windows = windows
	g.observed = now
}

// window is the gate's count of the named window, or a new unknown one.
func (g *rateGate) window(name string) gateWindow {
	for _, w := range g.windows {
		if w.Name == name {
			return w
		}
	}
	return gateWindow{RateWindow: RateWindow{Name: name, Remaining: -1}}
}

// merge folds one header's remaining count into the gate's. The header's
// reset is whole seconds rounded up, so one window's resets differ by about
// a second; one a window length later is the next window.
func (w *gateWindow) merge(remaining int, reset time.Time) {
	tolerance := max(w.Length/2, 2*time.Second)
	switch {
	case !w.known() || reset.After(w.Reset.Add(tolerance)):
		w.Remaining, w.Reset, w.StatusUsed = remaining, reset, 0 // the next window, or the first news of one
	case reset.Before(w.Reset.Add(-tolerance)):
		// An answer to a request of the previous window: the count rolled since.
	default:
		w.Remaining = min(w.Remaining, remaining) // other clients of the key count too
		w.Reset = later(w.Reset, reset)
	}
}

func (g *rateGate) snapshot() Budget {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.roll(g.clock.Now())
	b := Budget{Observed: g.observed, Windows: make([]RateWindow, len(g.windows))}
	for i, w := range g.windows {
		b.Windows[i] = w.RateWindow
	}
	return b
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
