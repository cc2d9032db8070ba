package bench

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestQuota is the scenario at the RunPod spec's example quota (60/min,
// 3,000/h, 50,000/day per API key) with paginated listings: bursts from an
// empty node, steady state at 1, 100 and 1,000 pods (page sizes 100 and 20)
// beside the per-pod polling baseline on its own key, and two kubelets of
// two clusters on one key. Each scenario has its own node and simulator;
// they run side by side in RPK_BENCH_QUOTA_TRACKS tracks, since at 60/min
// they mostly wait for the quota.
func TestQuota(t *testing.T) {
	e := newEnv(t)
	plan := readQuotaPlan(t)
	res := &quotaResults{started: time.Now(), plan: plan}
	t.Cleanup(func() { res.write(t.Logf) })
	w := e.watchPods(t.Context())
	e.grantNodes(plan.nodes())
	// Not t.Parallel: -parallel defaults to GOMAXPROCS, 2 here, and the
	// tracks mostly wait for the quota. t.Run may be called from goroutines.
	var wg sync.WaitGroup
	for i, track := range tracksOf(plan.jobs(), plan.tracks) {
		wg.Go(func() {
			t.Run(fmt.Sprintf("track-%d", i+1), func(t *testing.T) {
				te := e.with(t)
				for _, j := range track {
					t.Logf("%s: expected to take about %s", j.name, j.took.Round(time.Second))
					began := time.Now()
					j.run(te, w, res)
					res.note("%s took %s (track %d).", j.name, dur(time.Since(began)), i+1)
				}
			})
		})
	}
	wg.Wait()
}

// with is the env for a subtest: same cluster and clients, t of its own.
func (e *env) with(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// Node names of the scenarios; grantNodes needs them all up front.
func burstNode(n int) string          { return fmt.Sprintf("rpk-quota-burst-%d", n) }
func steadyNode(sc quotaScale) string { return fmt.Sprintf("rpk-quota-%d-p%d", sc.pods, sc.page) }

var sharedNodes = []string{"rpk-quota-shared-a", "rpk-quota-shared-b"}

func (p quotaPlan) nodes() []string {
	var out []string
	for _, n := range p.bursts {
		out = append(out, burstNode(n))
	}
	for _, sc := range p.scales {
		out = append(out, steadyNode(sc))
	}
	if p.shared > 0 {
		out = append(out, sharedNodes...)
	}
	return out
}
