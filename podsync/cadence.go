package podsync

import (
	"math"
	"time"

	"golang.org/x/time/rate"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// The status budget. Status reads spend StatusShare of the request rate
// RunPod's windows sustain (runpodapi.Budget.SustainableRate: the shortest
// window's quota over its length, lowered by any window whose remaining
// requests over the time to its reset are fewer, as another client of the
// key makes them), counted in a token bucket of requests. A full listing
// costs its pages and runs once the bucket holds that much above a reserve
// kept for pods in transition, so a steady pod is seen every pages ÷ rate
// seconds (never more often than ReconcileInterval). Pods in transition are
// read every FastInterval from the reserve (every other once half of it is
// spent), by the cheaper of a full listing and one GET /v2/pods/{id} each;
// once the reserve is spent they are read as fast as the bucket refills,
// also while a listing is walked (between, whileWalking). A listing's
// pages are charged as it begins, so the bucket refills during a long walk.
// Until RunPod sends RateLimit headers, the fixed intervals apply. The rate
// gate (runpodapi) serves creates and deletes before status reads, so they
// are never starved by them, and reads of pods in transition before pages.
type cadence struct {
	share    float64
	bucket   *rate.Limiter
	perSec   float64 // the status rate last set; 0 while the budget is unknown
	lastRead time.Time
	lastFull time.Time
}

// maxStatusWait is the longest the loop sleeps before deciding again: the
// budget and the pods change meanwhile.
const maxStatusWait = 30 * time.Second

type readKind int

const (
	readFull     readKind = iota // every page of GET /v2/pods
	readTargeted                 // GET /v2/pods/{id} for each pod in transition
)

// statusRead is the next status read: what, for which pods, and how long
// until it may run.
type statusRead struct {
	kind    readKind
	ids     []string
	transit bool // for pods in transition: the rate gate's priority for them (runpodapi.WithTransitionRead)
	wait    time.Duration
}

// readNeeds is what the next read is for.
type readNeeds struct {
	pages   int      // of the latest full listing
	transit []string  // RunPod ids of pods in transition, worth reading now
	later   time.Time // when the first pod in transition not worth reading yet is (provisioning.readFrom); zero: none
	fast    bool     // something changed that only a listing shows (a kick, a pod without a RunPod id in transition)
}

func newCadence(share float64) *cadence {
	return &cadence{share: share, bucket: rate.NewLimiter(0, 1)}
}

// next decides the next status read at now.
func (c *cadence) next(now time.Time, b runpodapi.Budget, n readNeeds, s Settings) statusRead {
	sustained, known := b.SustainableRate(now)
	if !known || c.share <= 0 {
		c.perSec = 0
		interval := s.ReconcileInterval
		if n.fast || len(n.transit) > 0 {
			interval = s.FastInterval
		}
		return statusRead{kind: readFull, wait: n.until(now, interval-now.Sub(c.lastRead))}
	}
	perSec := c.share * sustained
	pages := max(1, n.pages)
	keep := reserveFor(perSec)
	switch {
	case c.perSec == 0: // the first budget of the term: start with a full bucket
		c.bucket = rate.NewLimiter(rate.Limit(perSec), keep+pages)
	case perSec < c.perSec/2: // the quota shrank (or another client took it): no credit from the old rate
		c.bucket = rate.NewLimiter(rate.Limit(perSec), keep+pages)
		c.bucket.AllowN(now, pages) // the reserve stays; the next listing waits for its pages
	}
	c.perSec = perSec
	c.bucket.SetLimitAt(now, rate.Limit(perSec))
	c.bucket.SetBurstAt(now, keep+pages)
	tokens := c.bucket.TokensAt(now)
	until := func(cost int) time.Duration {
		if tokens >= float64(cost) {
			return 0
		}
		if perSec <= 0 {
			return maxStatusWait
		}
		return time.Duration((float64(cost) - tokens) / perSec * float64(time.Second))
	}
	full := statusRead{kind: readFull, wait: max(s.ReconcileInterval-now.Sub(c.lastFull), until(keep+pages))}
	if len(n.transit) > 0 || n.fast {
		fast := statusRead{kind: readFull, transit: true}
		cost := pages
		if len(n.transit) > 0 && len(n.transit) < pages { // a kick for a pod in transition is served by reading it
			fast, cost = statusRead{kind: readTargeted, ids: n.transit, transit: true}, len(n.transit)
		}
		fast.wait = max(c.fastSpacing(now, b, cost, tokens, s)-now.Sub(c.lastRead), until(cost))
		if fast.wait < full.wait {
			full = fast
		}
	}
	full.wait = n.until(now, min(full.wait, maxStatusWait))
	return full
}

// until shortens wait to the time at now until a held pod in transition is
// worth reading: the loop decides again then, with it among the transit.
func (n readNeeds) until(now time.Time, wait time.Duration) time.Duration {
	if n.later.IsZero() {
		return wait
	}
	return min(wait, max(0, n.later.Sub(now)))
}

// spent charges a read that costs requests, begun at now. Run charges a
// listing's pages as it begins, so the bucket refills during a long walk.
func (c *cadence) spent(now time.Time, kind readKind, requests int) {
	c.lastRead = now
	if kind == readFull {
		c.lastFull = now
	}
	c.charge(now, requests)
}

// charge takes requests more from the bucket at now (a listing that took
// more pages than the last one), without counting as a read.
func (c *cadence) charge(now time.Time, requests int) {
	if c.perSec > 0 && requests > 0 {
		c.bucket.ReserveN(now, min(requests, c.bucket.Burst()))
	}
}

// between reports whether transit pods in transition may be read by id at
// now, while a full listing is walked: a walk paced by the rate gate can
// take minutes, and a starting pod would wait for its last page. As for any
// targeted read: the budget is known, the fast spacing has
// passed since the last read, and the bucket holds them.
func (c *cadence) between(now time.Time, b runpodapi.Budget, transit int, s Settings) bool {
	if c.perSec <= 0 || transit == 0 {
		return false
	}
	tokens := c.bucket.TokensAt(now)
	return now.Sub(c.lastRead) >= c.fastSpacing(now, b, transit, tokens, s) && tokens >= float64(transit)
}

// fastSpacing is the least time between two reads of pods in transition
// that cost requests each, with tokens in the bucket at now: FastInterval, or
// longer where the minute window's remainder asks it (windowSpacing), and
// twice that once half the reserve is spent, so that the rest lasts.
func (c *cadence) fastSpacing(now time.Time, b runpodapi.Budget, requests int, tokens float64, s Settings) time.Duration {
	spacing := max(s.FastInterval, windowSpacing(b, now, requests))
	if tokens < float64(reserveFor(c.perSec))/2 {
		spacing *= 2
	}
	return spacing
}

// windowSpacing is the spacing of reads that cost requests each which makes
// what the shortest window has left for them (RateWindow.TransitRoom: the
// rate gate's share for reads of pods in transition, less what status
// reads took) last at least half the time to its reset. Right after a burst of creates, reads every FastInterval would
// spend the window's last requests while the new pods provision, and the
// read that shows them RUNNING would wait for the next window. A window with
// room to spare gives less than FastInterval. The longer windows are the bucket's.
func windowSpacing(b runpodapi.Budget, now time.Time, requests int) time.Duration {
	var w *runpodapi.RateWindow
	for i := range b.Windows {
		if c := &b.Windows[i]; c.Remaining >= 0 && c.Length > 0 && (w == nil || c.Length < w.Length) {
			w = c
		}
	}
	if w == nil {
		return 0
	}
	switch left, room := w.Reset.Sub(now), w.TransitRoom(); {
	case left <= 0:
		return 0
	case room < requests:
		return left // the rate gate holds them until the reset anyway
	default:
		return time.Duration(float64(left) / 2 * float64(requests) / float64(room))
	}
}

// perMinute is the status budget in requests a minute, 0 while unknown.
func (c *cadence) perMinute() float64 { return c.perSec * 60 }

// reserveFor is the reserve kept for pods in transition: about 90 s of the
// status rate (at the example quota, three starts in a row read every second
// or two). Steady listings wait while it refills, so after many transitions
// a steady pod waits up to that much longer. At least two reads, at most 30.
func reserveFor(perSec float64) int {
	return min(30, max(2, int(math.Ceil(perSec*90))))
}
