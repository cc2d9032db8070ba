package app

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Metrics is the process's Prometheus registry and the collectors the app
// layer feeds directly; pod figures come from podsync through Observe*.
type Metrics struct {
	Registry *prometheus.Registry

	runpodCalls    *prometheus.CounterVec
	runpodDuration *prometheus.HistogramVec
	leader         prometheus.Gauge
	spendCap       prometheus.Gauge

	pods *podMetrics

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
	share := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "runpod_kubelet_runpod_ratelimit_remaining_ratio",
		Help: "Smallest share (0-1) of a RunPod rate-limit window's quota left (-1 until known).",
	}, m.remainingShare)
	m.spendCap = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "runpod_kubelet_hourly_spend_cap_usd",
		Help: "MAX_HOURLY_SPEND, the node's $/h cap; 0 = no cap.",
	})
	m.pods = newPodMetrics(reg)
	reg.MustRegister(m.runpodCalls, m.runpodDuration, m.leader, remaining, share, m.spendCap,
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

func (m *Metrics) remainingShare() float64 {
	m.mu.Lock()
	f := m.budget
	m.mu.Unlock()
	if f == nil {
		return -1
	}
	return f().RemainingShare()
}

// setSpendCap publishes MAX_HOURLY_SPEND beside the spend, for alerts.
func (m *Metrics) setSpendCap(usd float64) { m.spendCap.Set(usd) }

func (m *Metrics) setLeader(on bool) {
	if on {
		m.leader.Set(1)
	} else {
		m.leader.Set(0)
	}
}

// podMetrics is podsync's Observer: pod operations, RunPod pods by status,
// spend and reconcile duration.
type podMetrics struct {
	ops      *prometheus.CounterVec
	byStatus *prometheus.GaugeVec
	spend    prometheus.Gauge
	round    prometheus.Histogram
	waiting  *prometheus.GaugeVec
	listedAt prometheus.Gauge
	gpuUtil  *prometheus.GaugeVec
	gpuMem   *prometheus.GaugeVec
	budget   prometheus.Gauge
}

func newPodMetrics(reg prometheus.Registerer) *podMetrics {
	m := &podMetrics{
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "runpod_kubelet_pod_operations_total",
			Help: "Pod operations: create, adopt, delete, orphan_delete, restart, refuse, create_error.",
		}, []string{"op"}),
		byStatus: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "runpod_kubelet_runpod_pods",
			Help: "This node's RunPod pods by RunPod status, as of the last reconcile round.",
		}, []string{"status"}),
		spend: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "runpod_kubelet_hourly_spend_usd",
			Help: "What this node's RunPod pods bill per hour, as of the last reconcile round.",
		}),
		round: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "runpod_kubelet_reconcile_duration_seconds",
			Help:    "Duration of one reconcile round (one RunPod list plus the work it triggers).",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}),
		waiting: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "runpod_kubelet_pods_waiting",
			Help: "Pods held back from RunPod by reason (RunPodNoCapacity, SpendCapReached, RunPodCreateError, ...), as of the last round.",
		}, []string{"reason"}),
		listedAt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "runpod_kubelet_last_listing_timestamp_seconds",
			Help: "Unix time of the latest RunPod listing every pod status comes from; now minus this is the status age.",
		}),
	}
	gpuLabels := []string{"namespace", "pod", "gpu_type", "gpu"}
	m.gpuUtil = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "runpod_kubelet_pod_gpu_utilization_ratio",
		Help: "GPU utilisation (0-1) of each GPU of each running pod, as RunPod reports it in the last listing.",
	}, gpuLabels)
	m.gpuMem = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "runpod_kubelet_pod_gpu_memory_utilization_ratio",
		Help: "GPU memory utilisation (0-1) of each GPU of each running pod, as RunPod reports it in the last listing.",
	}, gpuLabels)
	m.budget = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "runpod_kubelet_status_budget_requests_per_minute",
		Help: "RunPod requests a minute status reads may spend: STATUS_BUDGET_SHARE of what the rate-limit windows sustain (0 until RunPod advertises them).",
	})
	reg.MustRegister(m.ops, m.byStatus, m.spend, m.round, m.waiting, m.listedAt, m.gpuUtil, m.gpuMem, m.budget)
	return m
}

func (m *podMetrics) Count(op string) { m.ops.WithLabelValues(op).Inc() }

func (m *podMetrics) StatusBudget(perMinute float64) { m.budget.Set(perMinute) }

func (m *podMetrics) RoundDone(f podsync.RoundFigures) {
	m.round.Observe(f.Took.Seconds())
	m.spend.Set(f.HourlyUSD)
	if !f.ListedAt.IsZero() {
		m.listedAt.Set(float64(f.ListedAt.UnixMilli()) / 1000)
	}
	for _, st := range []runpodapi.PodStatus{runpodapi.StatusProvisioning, runpodapi.StatusStarting,
		runpodapi.StatusRunning, runpodapi.StatusExited, runpodapi.StatusError} {
		m.byStatus.WithLabelValues(string(st)).Set(float64(f.ByStatus[string(st)]))
	}
	m.gpuUtil.Reset() // pods that stopped or went drop out
	m.gpuMem.Reset()
	for _, u := range f.Usage {
		for i, g := range u.GPUs {
			l := prometheus.Labels{"namespace": u.Namespace, "pod": u.Name, "gpu_type": u.GPUType, "gpu": strconv.Itoa(i)}
			m.gpuUtil.With(l).Set(g.Util)
			m.gpuMem.With(l).Set(g.MemoryUtil)
		}
	}
	for _, r := range []string{podsync.ReasonNoCapacity, podsync.ReasonSpendCap, podsync.ReasonCreateErr,
		podsync.ReasonRefused, podsync.ReasonHandover} {
		m.waiting.WithLabelValues(r).Set(float64(f.Waiting[r]))
	}
}
