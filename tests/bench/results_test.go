package bench

import (
	"maps"
	"slices"
	"time"
)

// routeGetPod is the baseline's route; the kubelet never calls it, so the
// simulator's per-route counters tell the two apart.
const routeGetPod = "GET /v2/pods/{id}"

// scaleResult is what one pod count measured.
type scaleResult struct {
	pods int

	// The phase that brought the node to pods.
	created      int                // pods created in the phase
	createTook   time.Duration      // first create request sent → last pod Ready
	createRoutes map[string]int64   // the kubelet's RunPod requests in the phase
	kubeWrites   map[string]float64 // the kubelet's Kubernetes writes in the phase by kind (API server's count)
	createCPU    time.Duration      // kubelet CPU time in the phase
	boundCreate  samples            // spec.nodeName seen → RunPod createdAt
	transition   samples            // RunPod RUNNING → Kubernetes Ready seen
	baseTransit  samples            // RunPod RUNNING → the baseline's first GET showing it
	pending      []transit          // RUNNING not yet seen by the baseline

	// Steady state: every pod Running, the loop at RECONCILE_INTERVAL.
	window      time.Duration
	rounds      int
	routes      map[string]int64 // the kubelet's requests in the window
	baseReqs    int64            // the baseline's requests in the window
	basePerRnd  float64
	baseRounds  int
	baseRoundMs time.Duration // how long one baseline sweep took
	steadyCPU   time.Duration
	steadyLag   samples // EXITED set in the simulator → Kubernetes Succeeded seen
	baseSteady  samples // EXITED set → the baseline's first GET showing EXITED (or 404)
}

func (s *scaleResult) kubeletRequests() int64 {
	var n int64
	for _, v := range s.routes {
		n += v
	}
	return n
}

func (s *scaleResult) perMinute(n int64) float64 {
	if s.window <= 0 {
		return 0
	}
	return float64(n) * float64(time.Minute) / float64(s.window)
}

// kubeletRoutes is the delta of the simulator's counters without the baseline's route.
func kubeletRoutes(before, after map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if k == routeGetPod {
			continue
		}
		if d := after[k] - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// results is everything the scenario measured; report renders it.
type results struct {
	started time.Time
	scales  []*scaleResult

	burstPods                              int
	burstRunning, burstBound, burstCreated time.Duration // from the first create request

	handover, handoverReconciling samples
	takeover, takeoverReconciling samples
	stopTook                      samples // SIGTERM → old leader exited
	haCreates                     int64   // creates sent during the HA phase (want 0)
	haPods                        int

	rssPods          int
	memstats         string // Go heap figures from the kubelet's /metrics
	binarySize       int64
	goSys            int64 // all memory the Go runtime holds from the OS
	peakRSS, rss     int64
	rssAnon, rssFile int64
	cpuTotal, uptime time.Duration
	postsPerPod      float64
	profiles         []string
	notes            []string
}

func (r *results) scale(n int) *scaleResult {
	for _, s := range r.scales {
		if s.pods == n {
			return s
		}
	}
	s := &scaleResult{pods: n}
	r.scales = append(r.scales, s)
	return s
}
