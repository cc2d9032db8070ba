package bench

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// quotaScale is one steady scenario: pods on the node, the listing's page size.
type quotaScale struct{ pods, page int }

// quotaPlan is what TestQuota runs, from the RPK_BENCH_* settings.
type quotaPlan struct {
	scales []quotaScale
	bursts []int
	shared int           // pods per kubelet in the two-kubelet scenario; 0 skips it
	settle time.Duration // after the switch to the example quota
	window time.Duration // shortest measured window
	tracks int           // scenarios run side by side

	heavyMu *sync.Mutex // held while ≥ heavyPods pods are set up, and at a burst's start
}

const heavyPods = 500

// readQuotaPlan reads RPK_BENCH_QUOTA_SCALES ("1,100,1000,100/20,1000/20":
// pods, or pods/page size; page 100 when not given), RPK_BENCH_BURSTS
// ("100,500"; "0" for none), RPK_BENCH_QUOTA_SHARED (pods per kubelet, 100;
// 0 for none), RPK_BENCH_QUOTA_SETTLE (1m), RPK_BENCH_QUOTA_WINDOW (2m) and
// RPK_BENCH_QUOTA_TRACKS (4).
func readQuotaPlan(t *testing.T) quotaPlan {
	p := quotaPlan{heavyMu: &sync.Mutex{}}
	for _, f := range csvSetting(t, "RPK_BENCH_QUOTA_SCALES", "1,100,1000,100/20,1000/20") {
		n, page, _ := strings.Cut(f, "/")
		sc := quotaScale{pods: intSetting(t, "RPK_BENCH_QUOTA_SCALES", n, 1, 1000), page: burstPage}
		if page != "" {
			sc.page = intSetting(t, "RPK_BENCH_QUOTA_SCALES", page, 1, 1000)
		}
		if !slices.Contains(p.scales, sc) {
			p.scales = append(p.scales, sc)
		}
	}
	for _, f := range csvSetting(t, "RPK_BENCH_BURSTS", "100,500") {
		if n := intSetting(t, "RPK_BENCH_BURSTS", f, 0, 1000); n > 0 && !slices.Contains(p.bursts, n) {
			p.bursts = append(p.bursts, n)
		}
	}
	p.shared = intSetting(t, "RPK_BENCH_QUOTA_SHARED", envOr("RPK_BENCH_QUOTA_SHARED", "100"), 0, 500)
	p.settle = durationSetting(t, "RPK_BENCH_QUOTA_SETTLE", "1m")
	p.window = durationSetting(t, "RPK_BENCH_QUOTA_WINDOW", "2m")
	p.tracks = intSetting(t, "RPK_BENCH_QUOTA_TRACKS", envOr("RPK_BENCH_QUOTA_TRACKS", "4"), 1, 8)
	return p
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func csvSetting(t *testing.T, name, def string) []string {
	var out []string
	for _, f := range strings.Split(envOr(name, def), ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: empty", name)
	}
	return out
}

func intSetting(t *testing.T, name, s string, lo, hi int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < lo || n > hi {
		t.Fatalf("%s: %q is not a whole number from %d to %d", name, s, lo, hi)
	}
	return n
}

func durationSetting(t *testing.T, name, def string) time.Duration {
	d, err := time.ParseDuration(envOr(name, def))
	if err != nil || d < 0 {
		t.Fatalf("%s: %q is not a duration", name, os.Getenv(name))
	}
	return d
}

// heavy runs setup while no other setup of ≥ heavyPods pods runs, so two
// such setups never share the two cores; smaller setups run at once.
func (p quotaPlan) heavy(pods int, setup func()) {
	if pods >= heavyPods {
		p.heavyMu.Lock()
		defer p.heavyMu.Unlock()
	}
	setup()
}

// quotaJob is one scenario with the time it is expected to take.
type quotaJob struct {
	name string
	took time.Duration
	run  func(e *env, w *podWatch, res *quotaResults)
}

// jobs are the plan's scenarios, each with its expected duration: setup,
// settle, and a window long enough for the flips spread over one listing
// period at the fallback budget and their lag.
func (p quotaPlan) jobs() []quotaJob {
	var out []quotaJob
	for _, n := range p.bursts {
		out = append(out, quotaJob{fmt.Sprintf("burst-%d", n), time.Duration(n)*time.Second + time.Minute,
			func(e *env, w *podWatch, res *quotaResults) {
				p.heavy(heavyPods, func() {}) // wait for a heavy setup to end before the clock starts
				e.burstAtQuota(w, res, n)
			}})
	}
	for _, sc := range p.scales {
		listing := time.Duration(float64(pagesOf(sc.pods, sc.page)) * float64(time.Minute) / (0.25 * slowestRate(exampleQuota)))
		took := time.Duration(sc.pods)*40*time.Millisecond + 20*time.Second + p.settle + max(p.window, listing*5/2+30*time.Second)
		out = append(out, quotaJob{fmt.Sprintf("steady-%d-page-%d", sc.pods, sc.page), took,
			func(e *env, w *podWatch, res *quotaResults) { e.steadyAtQuota(w, res, sc, p) }})
	}
	if p.shared > 0 {
		out = append(out, quotaJob{fmt.Sprintf("two-kubelets-%d", p.shared),
			time.Duration(2*p.shared)*40*time.Millisecond + 30*time.Second + p.settle + p.window,
			func(e *env, w *podWatch, res *quotaResults) { e.sharedKey(w, res, p.shared, p) }})
	}
	return out
}

// tracksOf spreads the jobs over n tracks, longest first onto the least
// loaded track, so the run takes about as long as its longest track.
func tracksOf(jobs []quotaJob, n int) [][]quotaJob {
	jobs = slices.Clone(jobs)
	slices.SortStableFunc(jobs, func(a, b quotaJob) int { return int(b.took - a.took) })
	tracks := make([][]quotaJob, min(n, len(jobs)))
	load := make([]time.Duration, len(tracks))
	for _, j := range jobs {
		i := slices.Index(load, slices.Min(load))
		tracks[i] = append(tracks[i], j)
		load[i] += j.took
	}
	return tracks
}
