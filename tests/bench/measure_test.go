package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// transit is a RunPod pod whose RUNNING the baseline has yet to be seen reporting.
type transit struct {
	id        string
	runningAt time.Time
}

// sampleCreation records bound → create and RUNNING → Ready for the pods.
func (e *env) sampleCreation(w *podWatch, s *scaleResult, names []string) {
	rps := e.runpodPods(w, names)
	for _, n := range names {
		p, rp := w.get(n), rps[n]
		if rp.ID == "" || p.bound.IsZero() {
			e.t.Logf("pod %s: no RunPod pod or no binding seen; not sampled", n)
			continue
		}
		s.boundCreate = append(s.boundCreate, rp.CreatedAt.Sub(p.bound))
		if rp.StartedAt != nil && !p.ready.IsZero() {
			s.transition = append(s.transition, p.ready.Sub(*rp.StartedAt))
			s.pending = append(s.pending, transit{id: rp.ID, runningAt: *rp.StartedAt})
		}
	}
}

// resolveBaseline turns the transits the baseline has seen into samples.
func (e *env) resolveBaseline(bl *baseline, s *scaleResult) {
	var left []transit
	for _, tr := range s.pending {
		if at := bl.seenAt(tr.id, runpodapi.StatusRunning); !at.IsZero() {
			s.baseTransit = append(s.baseTransit, at.Sub(tr.runningAt))
		} else {
			left = append(left, tr)
		}
	}
	s.pending = left
}

// steady measures six reconcile rounds once the loop is at RECONCILE_INTERVAL.
// Snapshots are taken half an interval after a list arrives, when its round
// has finished and the next is as far away, so the rounds counted and the
// requests agree.
func (e *env) steady(bl *baseline, k *kubelet, s *scaleResult) {
	e.waitSlow(k)
	time.Sleep(reconcileInterval / 2)
	c0, r0, t0 := e.sim.Counters(), k.rounds(), time.Now()
	p0, _ := k.proc()
	e.waitLists(c0["GET /v2/pods"]+6, 3*time.Minute)
	time.Sleep(reconcileInterval / 2)
	c1, r1, t1 := e.sim.Counters(), k.rounds(), time.Now()
	p1, _ := k.proc()
	s.window, s.rounds = t1.Sub(t0), r1-r0
	s.routes = kubeletRoutes(c0, c1)
	s.baseReqs = c1[routeGetPod] - c0[routeGetPod]
	s.basePerRnd, s.baseRounds = bl.perRound(t0, t1)
	s.baseRoundMs = bl.lastRoundTook()
	s.steadyCPU = p1.cpu - p0.cpu
	e.resolveBaseline(bl, s)
	e.t.Logf("%d pods steady: %d rounds in %s, kubelet %v, baseline %d requests",
		s.pods, s.rounds, s.window.Round(time.Millisecond), s.routes, s.baseReqs)
}

// waitSlow waits until two lists arrive at least 80 % of RECONCILE_INTERVAL
// apart (no pod in transition) and returns right after the second.
func (e *env) waitSlow(k *kubelet) {
	e.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	last, lastAt, seenOne := e.sim.Counters()["GET /v2/pods"], time.Now(), false
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n := e.sim.Counters()["GET /v2/pods"]
		if n == last {
			continue
		}
		if seenOne && time.Since(lastAt) >= reconcileInterval*8/10 {
			return
		}
		last, lastAt, seenOne = n, time.Now(), true
	}
	e.t.Fatalf("the reconcile loop of %s never slowed to RECONCILE_INTERVAL", k.Name)
}

// waitLists waits until the simulator has answered n lists in all.
func (e *env) waitLists(n int64, timeout time.Duration) {
	e.t.Helper()
	e.eventually(timeout, 20*time.Millisecond, fmt.Sprintf("list #%d", n), func() (bool, string) {
		got := e.sim.Counters()["GET /v2/pods"]
		return got >= n, fmt.Sprintf("%d lists", got)
	})
}

// flip sets the pods' RunPod pods EXITED, one every spacing after offset,
// and measures when Kubernetes shows each Succeeded and when the baseline
// first saw it.
func (e *env) flip(w *podWatch, bl *baseline, k *kubelet, s *scaleResult, names []string, spacing, offset time.Duration) {
	e.t.Helper()
	rps := e.runpodPods(w, names)
	at := map[string]time.Time{}
	time.Sleep(offset)
	for i, n := range names {
		if i > 0 {
			time.Sleep(spacing)
		}
		id := rps[n].ID
		at[n] = time.Now()
		if err := e.sim.SetStatus(id, runpodapi.StatusExited); err != nil {
			e.t.Fatalf("set %s (%s) EXITED: %v", n, id, err)
		}
	}
	if dir := os.Getenv("RPK_BENCH_PROFILES"); dir != "" && s.pods >= 500 {
		k.profile(e, dir, "goroutine?debug=1", fmt.Sprintf("kubelet-goroutines-after-flips-%d.txt", s.pods))
	}
	e.waitAll(w, names, 2*time.Minute, "Succeeded", func(p seen) bool { return !p.succeeded.IsZero() })
	for _, n := range names {
		s.steadyLag = append(s.steadyLag, w.get(n).succeeded.Sub(at[n]))
	}
	e.t.Logf("%d pods: %d flips to EXITED, lag to Succeeded %s", s.pods, len(names), s.steadyLag.p50p95())
	deadline := time.Now().Add(baselineInterval + 20*time.Second)
	for _, n := range names {
		for {
			seenAt := bl.seenAt(rps[n].ID, runpodapi.StatusExited, statusGone)
			if !seenAt.IsZero() {
				s.baseSteady = append(s.baseSteady, seenAt.Sub(at[n]))
				break
			}
			if time.Now().After(deadline) {
				e.t.Logf("the baseline never saw %s EXITED", n)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// processFigures records the kubelet's RSS and CPU with n pods on the node
// and saves a heap profile.
func (e *env) processFigures(k *kubelet, res *results, n int) {
	p, err := k.proc()
	if err != nil {
		e.t.Fatalf("read /proc of the kubelet: %v", err)
	}
	res.rssPods, res.peakRSS, res.rss, res.cpuTotal = n, p.peakRSS, p.rss, p.cpu
	res.rssAnon, res.rssFile = p.rssAnon, p.rssFile
	res.uptime = time.Since(res.started)
	var parts []string
	for _, m := range []struct{ name, what string }{
		{"go_memstats_heap_inuse_bytes", "heap in use"},
		{"go_memstats_next_gc_bytes", "next GC at"},
		{"go_memstats_heap_sys_bytes", "heap from the OS"},
		{"go_memstats_heap_released_bytes", "of which released"},
		{"go_memstats_stack_inuse_bytes", "stacks"},
	} {
		if v, err := k.metric(m.name); err == nil {
			parts = append(parts, fmt.Sprintf("%s %s", m.what, mib(int64(v))))
		}
	}
	res.memstats = strings.Join(parts, ", ")
	if fi, err := os.Stat(kubeletBin); err == nil {
		res.binarySize = fi.Size()
	}
	if v, err := k.metric("go_memstats_sys_bytes"); err == nil {
		res.goSys = int64(v)
	}
	if dir := os.Getenv("RPK_BENCH_PROFILES"); dir != "" {
		name := fmt.Sprintf("kubelet-heap-%d.pprof", n)
		k.profile(e, dir, "heap", name)
		res.profiles = append(res.profiles, name+" (steady state)")
	}
}

// waitLog waits until the replica's log contains s and returns when it was seen.
func (e *env) waitLog(k *kubelet, s string, timeout time.Duration) time.Time {
	e.t.Helper()
	e.eventually(timeout, 50*time.Millisecond, fmt.Sprintf("%s to log %q", k.Name, s), func() (bool, string) {
		return k.logHas(s), k.Tail(3)
	})
	return time.Now()
}

// kubeletWrites is the API server's count of the writes only the kubelet
// makes, by kind: pod status updates, pod patches (annotations) and core/v1
// Events (the scheduler writes events.k8s.io Events; the driver creates and
// deletes pods).
func (e *env) kubeletWrites() map[string]float64 {
	raw, err := e.kube.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		e.t.Logf("API server metrics: %v", err)
		return nil
	}
	out := map[string]float64{}
	for _, f := range []struct {
		kind   string
		labels []string
	}{
		{"status", []string{`resource="pods"`, `subresource="status"`, `verb="PUT"`}},
		{"status", []string{`resource="pods"`, `subresource="status"`, `verb="PATCH"`}},
		{"annotations", []string{`resource="pods"`, `subresource=""`, `verb="PATCH"`}},
		{"events", []string{`resource="events"`, `group=""`, `verb="POST"`}},
		{"events", []string{`resource="events"`, `group=""`, `verb="PATCH"`}},
	} {
		if v, err := sumSamples(strings.NewReader(string(raw)), "apiserver_request_total", f.labels...); err == nil {
			out[f.kind] += v
		}
	}
	return out
}
