package bench

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

const (
	quotaFlips       = 12 // steady pods set EXITED per scenario (fewer when there are fewer pods)
	quotaTransitions = 5  // pods created one at a time during the window
	budgetMetric     = "runpod_kubelet_status_budget_requests_per_minute"
	fastInterval     = time.Second // podsync's FastInterval: a pod in transition is read at most this often
)

// steadyAtQuota sets pods up at the raised quota, switches the simulator to the
// example quota, lets the kubelet settle and then measures a window: its
// requests and 429s per key, the lag of steady pods set EXITED (spread over
// one listing period at the status budget) and then of pods created one at
// a time, beside the baseline polling on its own key.
func (e *env) steadyAtQuota(w *podWatch, res *quotaResults, sc quotaScale, p quotaPlan) {
	node := steadyNode(sc)
	st := e.newStage(sc.page, setupQuota)
	defer st.close()
	k := st.startKubelet(node, node, simKey)
	r := &steadyResult{pods: sc.pods, page: sc.page}
	setup := sc.pods
	if sc.pods > quotaTransitions {
		setup = sc.pods - quotaTransitions // the transitions bring the node to sc.pods
	}
	names := podNames(fmt.Sprintf("q%dp%d", sc.pods, sc.page), 0, setup)
	p.heavy(setup, func() {
		st.createPods(w, node, names)
		e.waitAll(w, names, 10*time.Minute, "Ready", func(s seen) bool { return !s.ready.IsZero() })
		e.waitAnnotated(w, names, 5*time.Minute)
	})
	ctx, stopBaseline := context.WithCancel(context.Background())
	defer stopBaseline()
	bl := st.newBaseline()
	go bl.run(ctx)

	switched := time.Now()
	st.sim.SetQuota(exampleQuota)
	time.Sleep(p.settle)
	// A listing that began at the raised quota ends before the kubelet decides
	// again (at 1,000 pods and pages of 20 it is fifty pages): wait until its
	// budget is one the example quota can give.
	waitFor(4*time.Minute, func() bool { b, _ := statusBudget(k); return b <= shareOf()*float64(exampleQuota.Minute) })
	r.budget, r.budgetFromMetric = statusBudget(k)
	r.pages = pagesOf(max(sc.pods, setup+quotaTransitions), sc.page)
	r.bound = time.Duration(float64(r.pages) * float64(time.Minute) / r.budget)

	t0 := time.Now()
	flipped := names[:min(quotaFlips, len(names))]
	period := max(r.bound, 10*time.Second)
	flips := st.flipSpread(w, e.clusterID, node, flipped, period/time.Duration(max(len(flipped)-1, 1)))
	at := flips.wait()
	if flips.err != nil {
		e.t.Errorf("%d pods, page %d: %v", sc.pods, sc.page, flips.err)
	}
	deadline := at[flipped[len(flipped)-1]].Add(period*3/2 + 30*time.Second)
	waitFor(time.Until(deadline), func() bool { return countWhere(w, flipped, succeeded) == len(flipped) })
	flipsDone := time.Now()
	// Then the transitions, so each lag is measured on its own: reads of pods
	// in transition come out of the same budget as the steady listings.
	trans := podNames(fmt.Sprintf("q%dp%dt", sc.pods, sc.page), 0, quotaTransitions)
	st.transitions(w, node, trans, r)
	if rest := time.Until(t0.Add(p.window)); rest > 0 {
		time.Sleep(rest)
	}
	t1 := time.Now()
	r.window = t1.Sub(t0)
	r.kubelet, r.baseline = st.tap.count(simKey, t0, t1), st.tap.count(baselineKey, t0, t1)
	// What listings took while the flips were being seen.
	r.listing = float64(st.tap.count(simKey, t0, flipsDone).routes["GET /v2/pods"]) / flipsDone.Sub(t0).Minutes()
	r.kubelet429, r.base429 = st.tap.count(simKey, switched, t1).tooMany, st.tap.count(baselineKey, switched, t1).tooMany
	r.since = t1.Sub(switched)
	for _, n := range flipped {
		if s := w.get(n).succeeded; !s.IsZero() {
			r.steadyLag = append(r.steadyLag, s.Sub(at[n]))
		} else {
			r.steadyUnseen++
		}
	}
	st.baselineLags(w, bl, node, flipped, at, r)
	res.addSteady(r)
	e.t.Logf("%d pods, page %d: kubelet %.1f/min (%d×429), steady lag %s (%d unseen, bound %s), transition %s",
		sc.pods, sc.page, r.kubelet.perMinute(r.window), r.kubelet429, r.steadyLag.p50p95(), r.steadyUnseen, dur(r.bound), r.transition.p50p95())
}

func succeeded(s seen) bool { return !s.succeeded.IsZero() }

// statusBudget is the kubelet's status budget B in requests per minute: its
// gauge when it exports one, else 0.25 (the share passed) of the slowest
// window's rate at the example quota.
func statusBudget(k *kubelet) (perMinute float64, fromMetric bool) {
	if v, err := k.metric(budgetMetric); err == nil && v > 0 {
		return v, true
	}
	return shareOf() * slowestRate(exampleQuota), false
}

// shareOf is STATUS_BUDGET_SHARE as passed, as a number.
func shareOf() float64 {
	share, err := strconv.ParseFloat(statusShare(), 64)
	if err != nil || share <= 0 {
		return 0.25
	}
	return share
}

// slowestRate is min over the windows of quota/length, per minute.
func slowestRate(q simulator.Quota) float64 {
	rate := math.Inf(1)
	for _, w := range []struct {
		n   int
		len time.Duration
	}{{q.Minute, time.Minute}, {q.Hour, time.Hour}, {q.Day, 24 * time.Hour}} {
		if w.n > 0 {
			rate = min(rate, float64(w.n)*float64(time.Minute)/float64(w.len))
		}
	}
	return rate
}

// flipping is a spread of EXITED flips running in the background.
type flipping struct {
	done chan struct{}
	at   map[string]time.Time
	err  error
}

func (f *flipping) wait() map[string]time.Time { <-f.done; return f.at }

// flipSpread sets the pods' RunPod pods EXITED one every spacing, in the
// background (it touches only the simulator), noting when.
func (st *stage) flipSpread(w *podWatch, clusterID, node string, names []string, spacing time.Duration) *flipping {
	rps := st.runpodPods(w, clusterID, node, names)
	f := &flipping{done: make(chan struct{}), at: map[string]time.Time{}}
	go func() {
		defer close(f.done)
		for i, n := range names {
			if i > 0 {
				time.Sleep(spacing)
			}
			f.at[n] = time.Now()
			if err := st.sim.SetStatus(rps[n].ID, runpodapi.StatusExited); err != nil && f.err == nil {
				f.err = fmt.Errorf("set %s EXITED: %w", n, err)
			}
		}
	}()
	return f
}

// transitions creates the pods one at a time, each once the last is Ready,
// and samples RunPod RUNNING → Kubernetes Ready; a pod not Ready within two
// minutes ends the series.
func (st *stage) transitions(w *podWatch, node string, names []string, r *steadyResult) {
	for _, n := range names {
		asked := time.Now()
		st.createPods(w, node, []string{n})
		if !waitFor(2*time.Minute, func() bool { return !w.get(n).ready.IsZero() }) {
			r.transUnseen += len(names) - len(r.transition)
			return
		}
		rp := st.runpodPods(w, st.e.clusterID, node, []string{n})[n]
		if rp.StartedAt != nil {
			lag := w.get(n).ready.Sub(*rp.StartedAt)
			if lag > 2*time.Second { // what the kubelet sent meanwhile, to see why
				st.e.t.Logf("%s: RUNNING → Ready %s (RUNNING at +%s); the kubelet's requests from its create:\n%s", n, dur(lag),
					dur(rp.StartedAt.Sub(asked)), strings.Join(st.tap.timeline(simKey, asked, w.get(n).ready), "\n"))
			}
			r.transition = append(r.transition, lag)
			r.transitIDs = append(r.transitIDs, transit{id: rp.ID, runningAt: *rp.StartedAt})
		}
	}
}

// baselineLags waits up to a baseline sweep and a half for the baseline
// to have seen the flips and transitions, then samples what it saw.
func (st *stage) baselineLags(w *podWatch, bl *baseline, node string, flipped []string, at map[string]time.Time, r *steadyResult) {
	rps := st.runpodPods(w, st.e.clusterID, node, flipped)
	seenAll := func() bool {
		for _, n := range flipped {
			if bl.seenAt(rps[n].ID, runpodapi.StatusExited, statusGone).IsZero() {
				return false
			}
		}
		return true
	}
	waitFor(baselineInterval*3/2, seenAll)
	for _, n := range flipped {
		if s := bl.seenAt(rps[n].ID, runpodapi.StatusExited, statusGone); !s.IsZero() {
			r.baseSteady = append(r.baseSteady, s.Sub(at[n]))
		} else {
			r.baseSteadyUnseen++
		}
	}
	for _, tr := range r.transitIDs {
		if s := bl.seenAt(tr.id, runpodapi.StatusRunning); !s.IsZero() {
			r.baseTransit = append(r.baseTransit, s.Sub(tr.runningAt))
		} else {
			r.baseTransUnseen++
		}
	}
}
