package app

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Metrics is the process's Prometheus registry and the collectors the app
// layer feeds directly; pod figures come from podsync through Observe*.
type Metrics struct {
	Registry *prometheus.Registry

	runpodCalls    *prometheus.CounterVec
	runpodDuration *prometheus.HistogramVec
	leader         prometheus.Gauge

	mu     sync.Mutex
	budget func() runpodapi.Budget
}

func newMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		runpodCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "runpod_kubelet_runpod_requests_total",
			Help: "RunPod API requests by route and HTTP status code (0 = transport error), retries included.",
		}, []string{"route", "code"}),
		runpodDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "runpod_kubelet_runpod_request_duration_seconds",
			Help:    "RunPod API request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"route"}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "runpod_kubelet_leader",
			Help: "1 while this replica holds the leader Lease and runs the controllers.",
		}),
	}
	remaining := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "runpod_kubelet_runpod_ratelimit_remaining",
		Help: "Requests left in the tightest RunPod rate-limit window (-1 until known).",
	}, m.remaining)
	reg.MustRegister(m.runpodCalls, m.runpodDuration, m.leader, remaining,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) observeRunPod(r runpodapi.CallResult) {
	m.runpodCalls.WithLabelValues(r.Route, strconv.Itoa(r.Status)).Inc()
	m.runpodDuration.WithLabelValues(r.Route).Observe(r.Duration.Seconds())
}

func (m *Metrics) watchBudget(f func() runpodapi.Budget) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.budget = f
}

func (m *Metrics) remaining() float64 {
	m.mu.Lock()
	f := m.budget
	m.mu.Unlock()
	if f == nil {
		return -1
	}
	return float64(f().Remaining())
}

func (m *Metrics) setLeader(on bool) {
	if on {
		m.leader.Set(1)
	} else {
		m.leader.Set(0)
	}
}
