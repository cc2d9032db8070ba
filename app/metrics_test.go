package app

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestMetricsExposition(t *testing.T) {
	m := newMetrics()
	m.observeRunPod(runpodapi.CallResult{Route: "GET /v2/pods", Status: 200, Duration: 20 * time.Millisecond})
	m.observeRunPod(runpodapi.CallResult{Route: "POST /v2/pods", Status: 0, Duration: time.Second})
	m.pods.Count("create")
	m.pods.RoundDone(30*time.Millisecond, map[string]int{"RUNNING": 3}, 2.07)
	m.setLeader(true)
	m.watchBudget(func() runpodapi.Budget {
		return runpodapi.Budget{Windows: []runpodapi.RateWindow{{Name: "minute", Remaining: 41}}}
	})

	rec := httptest.NewRecorder()
	promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`runpod_kubelet_runpod_requests_total{code="200",route="GET /v2/pods"} 1`,
		`runpod_kubelet_runpod_requests_total{code="0",route="POST /v2/pods"} 1`,
		`runpod_kubelet_pod_operations_total{op="create"} 1`,
		`runpod_kubelet_runpod_pods{status="RUNNING"} 3`,
		`runpod_kubelet_runpod_pods{status="EXITED"} 0`,
		`runpod_kubelet_hourly_spend_usd 2.07`,
		`runpod_kubelet_reconcile_duration_seconds_count 1`,
		`runpod_kubelet_runpod_ratelimit_remaining 41`,
		`runpod_kubelet_leader 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
