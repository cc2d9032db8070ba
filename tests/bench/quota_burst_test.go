package bench

import (
	"fmt"
	"strings"
	"time"
)

// burstPage is the listing's page size in the bursts.
const burstPage = 100

// burstAtQuota creates n pods at once on a fresh node whose simulator runs at the
// example quota from the start, and measures the first create request the
// simulator received → all n pods Running in Kubernetes against the
// quota-bound minimum computed from the windows as that create found them.
func (e *env) burstAtQuota(w *podWatch, res *quotaResults, n int) {
	node := burstNode(n)
	st := e.newStage(burstPage, exampleQuota)
	defer st.close()
	k := st.startKubelet(node, node, simKey)
	names := podNames(fmt.Sprintf("qb%d", n), 0, n)
	r := &burstResult{pods: n, page: burstPage}
	// Generous: half again the time 60/min takes, plus two minutes.
	timeout := time.Duration(float64(n)/float64(exampleQuota.Minute)*1.5*float64(time.Minute)) + 2*time.Minute
	start := time.Now()
	st.createPods(w, node, names)
	r.finished = waitFor(timeout, func() bool { return countWhere(w, names, running) == n })
	end := time.Now()
	r.running = countWhere(w, names, running)
	fc, ok := st.tap.firstCreate(simKey)
	if !ok {
		e.t.Errorf("%d-pod burst: the simulator never received a create", n)
		res.addBurst(r)
		return
	}
	var lastRunning time.Time
	for _, name := range names {
		lastRunning = later(lastRunning, w.get(name).running)
	}
	if !r.finished {
		lastRunning = end
	}
	r.measured = lastRunning.Sub(fc.at)
	r.windows = windowsAt(fc.windows, fc.at)
	r.bound = quotaBound(r.windows, n, pagesOf(n, burstPage), provisioningDelay)
	r.kubelet = st.tap.count(simKey, start, end)
	r.metric429 = k.count429()
	res.addBurst(r)
	e.t.Logf("%d-pod burst: %d Running in %s (bound %s, ratio %.2f), %d RunPod requests (%d answered 429): %v",
		n, r.running, dur(r.measured), dur(r.bound), r.ratio(), r.kubelet.total, r.kubelet.tooMany, r.kubelet.routes)
	e.t.Logf("%d-pod burst, requests by minute window:\n%s", n, strings.Join(st.tap.byMinute(simKey, fc.at, lastRunning.Add(time.Second)), "\n"))
}

func running(s seen) bool { return !s.running.IsZero() }

// pagesOf is ⌈n/page⌉, at least 1: a listing of an empty account is one page.
func pagesOf(n, page int) int { return max(1, (n+page-1)/page) }

// count429 is how many 429 answers the kubelet's own metric counts (-1
// when it cannot be read); the tap's count is the simulator's side.
func (k *kubelet) count429() int {
	v, err := k.metric("runpod_kubelet_runpod_requests_total", `code="429"`)
	if err != nil {
		if _, up := k.metric("runpod_kubelet_runpod_requests_total"); up == nil {
			return 0 // the family is there, without a 429 sample
		}
		return -1
	}
	return int(v)
}
