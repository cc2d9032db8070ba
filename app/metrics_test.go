package app

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestMetricsExposition(t *testing.T) {
	m := newMetrics()
	m.observeRunPod(runpodapi.CallResult{Route: "GET /v2/pods", Status: 200, Duration: 20 * time.Millisecond})
	m.observeRunPod(runpodapi.CallResult{Route: "POST /v2/pods", Status: 0, Duration: time.Second})
	m.pods.Count("create")
	m.pods.RoundDone(podsync.RoundFigures{Took: 30 * time.Millisecond, ListedAt: time.Unix(1764633600, 500e6),
		ByStatus: map[string]int{"RUNNING": 3}, HourlyUSD: 2.07, Waiting: map[string]int{podsync.ReasonNoCapacity: 2},
		Usage: []podsync.PodUsage{{Namespace: "ml", Name: "train", GPUType: "NVIDIA H100 80GB HBM3",
			GPUs: []podsync.GPUUsage{{Util: 0.94, MemoryUtil: 0.5}, {Util: 0.02, MemoryUtil: 0.1}}}}})
	m.setLeader(true)
	m.setSpendCap(12.5)
	m.watchBudget(func() runpodapi.Budget {
		return runpodapi.Budget{Windows: []runpodapi.RateWindow{{Name: "minute", Quota: 60, Remaining: 41}, {Name: "hour", Quota: 3000, Remaining: 300}}}
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
		`runpod_kubelet_runpod_ratelimit_remaining_ratio 0.1`,
		`runpod_kubelet_hourly_spend_cap_usd 12.5`,
		`runpod_kubelet_pods_waiting{reason="RunPodNoCapacity"} 2`,
		`runpod_kubelet_pods_waiting{reason="SpendCapReached"} 0`,
		`runpod_kubelet_last_listing_timestamp_seconds 1.7646336005e+09`,
		`runpod_kubelet_pod_gpu_utilization_ratio{gpu="0",gpu_type="NVIDIA H100 80GB HBM3",namespace="ml",pod="train"} 0.94`,
		`runpod_kubelet_pod_gpu_utilization_ratio{gpu="1",gpu_type="NVIDIA H100 80GB HBM3",namespace="ml",pod="train"} 0.02`,
		`runpod_kubelet_pod_gpu_memory_utilization_ratio{gpu="0",gpu_type="NVIDIA H100 80GB HBM3",namespace="ml",pod="train"} 0.5`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
