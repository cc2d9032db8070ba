package bench

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// singlePods is how many pods the 1-pod scale creates one after another
// (each alone on the node) to sample its latencies.
const singlePods = 6

// flipsPerScale is how many steady pods have their RunPod pod set EXITED,
// one every flipSpacing so the flips fall at every phase of the round.
const (
	flipsPerScale = 20
	flipSpacing   = 1370 * time.Millisecond
)

// TestScale is the whole scenario: 1, 100 (a burst from an empty node) and
// 1,000 pods, each measured while created and in steady state, then leader
// handovers and takeovers with the 1,000 pods in place.
func TestScale(t *testing.T) {
	scales := benchScales(t)
	e := newEnv(t)
	res := &results{started: time.Now()}
	t.Cleanup(func() { res.write(t.Logf) })
	ctx := t.Context()
	w := e.watchPods(ctx)
	leader := e.startKubelet("bench-a")
	e.waitHolder(leader.Name, 90*time.Second)
	e.waitLog(leader, "node ready; reconciling", 90*time.Second)
	bl := newBaseline(e)
	go bl.run(ctx)

	var live []string
	for _, n := range scales {
		s := res.scale(n)
		switch {
		case n == 1:
			live = e.singles(w, bl, leader, s, live)
		case n <= 100: // a burst from an empty node
			e.deletePods(w, live, 2*time.Minute)
			live = e.grow(w, leader, res, s, nil)
		default:
			live = e.grow(w, leader, res, s, live)
		}
		e.steady(bl, leader, s)
		if n == scales[len(scales)-1] {
			e.processFigures(leader, res, n)
		}
		if n > 1 {
			flipped := live[:min(flipsPerScale, len(live))]
			e.flip(w, bl, leader, s, flipped, flipSpacing, 0)
			e.deletePods(w, flipped, 2*time.Minute)
			live = slices.Clone(live[len(flipped):])
		}
		t.Logf("%d pods measured: %d rounds, lists %v, baseline %.0f/round", n, s.rounds, s.routes, s.basePerRnd)
	}
	if made := w.count(); made > 0 {
		res.postsPerPod = float64(e.sim.Counters()["POST /v2/pods"]) / float64(made)
	}
	e.highAvailability(leader, res, len(live))
}

// benchScales reads RPK_BENCH_SCALES ("1,100,1000" by default), ascending.
func benchScales(t *testing.T) []int {
	raw := os.Getenv("RPK_BENCH_SCALES")
	if raw == "" {
		raw = "1,100,1000"
	}
	var out []int
	for _, f := range strings.Split(raw, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1000 {
			t.Fatalf("RPK_BENCH_SCALES: %q is not a pod count of 1 to 1000", f)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// singles creates pods one at a time on an empty node; all but the last get
// their RunPod pod set EXITED once the loop is slow, and are deleted. The
// last stays for the steady-state window.
func (e *env) singles(w *podWatch, bl *baseline, k *kubelet, s *scaleResult, live []string) []string {
	e.deletePods(w, live, 2*time.Minute)
	for i := range singlePods {
		name := fmt.Sprintf("single-%04d", i)
		e.createPods(w, []string{name})
		e.waitAll(w, []string{name}, 90*time.Second, "Ready", func(p seen) bool { return !p.ready.IsZero() })
		e.sampleCreation(w, s, []string{name})
		s.created++
		if i == singlePods-1 {
			return []string{name}
		}
		e.waitSlow(k)
		e.resolveBaseline(bl, s)
		// Flip at a different phase of the round each time.
		offset := time.Duration(float64(reconcileInterval) * (float64(i) + 0.5) / float64(singlePods-1))
		e.flip(w, bl, k, s, []string{name}, 0, offset)
		e.deletePods(w, []string{name}, time.Minute)
	}
	return nil
}

// grow creates the pods that bring the node from len(live) to s.pods at
// once and measures the phase until every new pod is Ready and annotated.
func (e *env) grow(w *podWatch, k *kubelet, res *results, s *scaleResult, live []string) []string {
	if len(live) > s.pods {
		e.deletePods(w, live[s.pods:], 2*time.Minute)
		live = live[:s.pods]
	}
	names := podNames(fmt.Sprintf("p%d", s.pods), 0, s.pods-len(live))
	before, writes0 := e.sim.Counters(), e.kubeletWrites()
	p0, _ := k.proc()
	if dir := os.Getenv("RPK_BENCH_PROFILES"); dir != "" && len(names) >= 500 {
		name := fmt.Sprintf("kubelet-cpu-create-%d.pprof", len(names))
		go k.profile(e, dir, "profile?seconds=30", name)
		res.profiles = append(res.profiles, name+" (first 30 s of the create phase)")
	}
	start := time.Now()
	e.createPods(w, names)
	e.waitAll(w, names, 15*time.Minute, "Ready", func(p seen) bool { return !p.ready.IsZero() })
	var lastReady, lastRunning, lastBound time.Time
	for _, n := range names {
		p := w.get(n)
		lastReady, lastRunning, lastBound = later(lastReady, p.ready), later(lastRunning, p.running), later(lastBound, p.bound)
	}
	rps := e.runpodPods(w, names)
	if len(live) == 0 && s.pods == 100 {
		var lastCreated time.Time
		for _, rp := range rps {
			lastCreated = later(lastCreated, rp.CreatedAt)
		}
		res.burstPods = len(names)
		res.burstRunning, res.burstBound, res.burstCreated = lastRunning.Sub(start), lastBound.Sub(start), lastCreated.Sub(start)
	}
	e.waitAnnotated(w, names, 10*time.Minute)
	p1, _ := k.proc()
	s.created, s.createTook = len(names), lastReady.Sub(start)
	s.createRoutes = kubeletRoutes(before, e.sim.Counters())
	writes1 := e.kubeletWrites()
	s.kubeWrites = map[string]float64{}
	for k, v := range writes1 {
		s.kubeWrites[k] = v - writes0[k]
	}
	s.createCPU = p1.cpu - p0.cpu
	e.sampleCreation(w, s, names)
	e.t.Logf("%d pods: created %d in %s (all Ready), bound→create %s, RUNNING→Ready %s",
		s.pods, len(names), s.createTook.Round(time.Millisecond), s.boundCreate.p50p95(), s.transition.p50p95())
	return append(live, names...)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
