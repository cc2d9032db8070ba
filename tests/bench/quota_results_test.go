package bench

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// quotaResults is everything TestQuota measured; its scenarios run side by
// side, so adding is locked. quotaReport renders it.
type quotaResults struct {
	started time.Time
	plan    quotaPlan

	mu      sync.Mutex
	bursts  []*burstResult
	steadys []*steadyResult
	twoKeys *sharedResult
	notes   []string
}

// burstResult is one burst from an empty node at the example quota.
type burstResult struct {
	pods, page int
	finished   bool // every pod Running before the timeout
	running    int
	measured   time.Duration // first create received → last pod Running (or the timeout)
	bound      time.Duration // quotaBound from the windows at the first create
	windows    []quotaWindow
	kubelet    tapCount // the kubelet's requests during the burst
	metric429  int      // 429s by the kubelet's own metric (-1 unknown)
}

// ratio is bound ÷ measured, 1 when the kubelet is as fast as the quota allows.
func (r *burstResult) ratio() float64 {
	if r.measured <= 0 {
		return 0
	}
	return float64(r.bound) / float64(r.measured)
}

// steadyResult is one steady scenario at the example quota.
type steadyResult struct {
	pods, page int
	window     time.Duration // the measured window, after the settle
	since      time.Duration // quota switch → end of the window
	kubelet    tapCount      // in the window
	baseline   tapCount      // in the window
	kubelet429 int           // since the quota switch
	base429    int           // since the quota switch

	budget           float64       // B, requests/minute
	budgetFromMetric bool          // false: the 0.25 fallback
	pages            int           // ⌈N/P⌉ of the listing in the window
	bound            time.Duration // pages · 60 / B
	listing          float64       // listing pages a minute the kubelet sent while the flips were being seen

	steadyLag, baseSteady          samples // EXITED set → Succeeded; → the baseline's GET showing it
	steadyUnseen, baseSteadyUnseen int
	transition, baseTransit        samples // RunPod RUNNING → Ready; → the baseline's GET showing it
	transUnseen, baseTransUnseen   int
	transitIDs                     []transit
}

// sharedResult is two kubelets of two clusters on one API key.
type sharedResult struct {
	pods, page int // per kubelet
	window     time.Duration
	key        tapCount // both kubelets, in the window
	key429     int      // both, since the quota switch
	kubelets   []sharedKubelet
}

type sharedKubelet struct {
	name      string
	perMinute float64 // its own metric, over the window
	tooMany   int     // 429s by its own metric since the quota switch
	known     bool
}

func (r *quotaResults) addBurst(b *burstResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bursts = append(r.bursts, b)
	slices.SortFunc(r.bursts, func(a, b *burstResult) int { return a.pods - b.pods })
}

func (r *quotaResults) addSteady(s *steadyResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steadys = append(r.steadys, s)
	slices.SortFunc(r.steadys, func(a, b *steadyResult) int {
		if a.page != b.page {
			return b.page - a.page // page 100 first
		}
		return a.pods - b.pods
	})
}

func (r *quotaResults) setShared(s *sharedResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.twoKeys = s
}

func (r *quotaResults) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}
