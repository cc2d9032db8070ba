package podsync

import (
	"context"
	"time"

	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
)

// GetStatsSummary is /stats/summary: the node's totals and, for each running
// pod, its one container's CPU and memory, from the latest listing.
func (p *Provider) GetStatsSummary(context.Context) (*statsv1alpha1.Summary, error) {
	usage := p.usage.snapshot()
	now := metav1.NewTime(p.now())
	node := statsv1alpha1.NodeStats{NodeName: p.s.NodeName, StartTime: now,
		CPU:    &statsv1alpha1.CPUStats{Time: now, UsageNanoCores: ptrTo[uint64](0), UsageCoreNanoSeconds: ptrTo[uint64](0)},
		Memory: &statsv1alpha1.MemoryStats{Time: now, WorkingSetBytes: ptrTo[uint64](0), UsageBytes: ptrTo[uint64](0)}}
	sum := &statsv1alpha1.Summary{Node: node}
	for _, u := range usage {
		at := metav1.NewTime(u.At)
		cpu := &statsv1alpha1.CPUStats{Time: at, UsageNanoCores: ptrTo(u.CPUNanoCores), UsageCoreNanoSeconds: ptrTo(uint64(u.CPUSeconds * 1e9))}
		mem := &statsv1alpha1.MemoryStats{Time: at, WorkingSetBytes: ptrTo(u.MemoryBytes), UsageBytes: ptrTo(u.MemoryBytes)}
		start := metav1.NewTime(u.StartedAt)
		sum.Pods = append(sum.Pods, statsv1alpha1.PodStats{
			PodRef:    statsv1alpha1.PodReference{Name: u.Name, Namespace: u.Namespace, UID: string(u.UID)},
			StartTime: start, CPU: cpu, Memory: mem,
			Containers: []statsv1alpha1.ContainerStats{{Name: u.Container, StartTime: start, CPU: cpu, Memory: mem}},
		})
		*sum.Node.CPU.UsageNanoCores += u.CPUNanoCores
		*sum.Node.CPU.UsageCoreNanoSeconds += uint64(u.CPUSeconds * 1e9)
		*sum.Node.Memory.WorkingSetBytes += u.MemoryBytes
		*sum.Node.Memory.UsageBytes += u.MemoryBytes
	}
	return sum, nil
}

// GetMetricsResource is /metrics/resource, the kubelet's resource metrics
// endpoint metrics-server scrapes: node, pod and container CPU time and
// memory working set, with the listing's time as each sample's timestamp.
func (p *Provider) GetMetricsResource(context.Context) ([]*dto.MetricFamily, error) {
	usage := p.usage.snapshot()
	now := p.now()
	fam := func(name, help string, t dto.MetricType) *dto.MetricFamily {
		return &dto.MetricFamily{Name: proto.String(name), Help: proto.String(help), Type: t.Enum()}
	}
	nodeCPU := fam("node_cpu_usage_seconds_total", "Cumulative cpu time consumed by the node in core-seconds", dto.MetricType_COUNTER)
	nodeMem := fam("node_memory_working_set_bytes", "Current working set of the node in bytes", dto.MetricType_GAUGE)
	podCPU := fam("pod_cpu_usage_seconds_total", "Cumulative cpu time consumed by the pod in core-seconds", dto.MetricType_COUNTER)
	podMem := fam("pod_memory_working_set_bytes", "Current working set of the pod in bytes", dto.MetricType_GAUGE)
	ctrCPU := fam("container_cpu_usage_seconds_total", "Cumulative cpu time consumed by the container in core-seconds", dto.MetricType_COUNTER)
	ctrMem := fam("container_memory_working_set_bytes", "Current working set of the container in bytes", dto.MetricType_GAUGE)
	ctrStart := fam("container_start_time_seconds", "Start time of the container since unix epoch in seconds", dto.MetricType_GAUGE)
	scrapeErr := fam("scrape_error", "1 if there was an error while getting container metrics, 0 otherwise", dto.MetricType_GAUGE)

	var cpuTotal, memTotal float64
	for _, u := range usage {
		ts := u.At.UnixMilli()
		podLabels := []*dto.LabelPair{label("namespace", u.Namespace), label("pod", u.Name)}
		ctrLabels := []*dto.LabelPair{label("container", u.Container), label("namespace", u.Namespace), label("pod", u.Name)}
		podCPU.Metric = append(podCPU.Metric, counter(podLabels, u.CPUSeconds, ts))
		podMem.Metric = append(podMem.Metric, gauge(podLabels, float64(u.MemoryBytes), ts))
		ctrCPU.Metric = append(ctrCPU.Metric, counter(ctrLabels, u.CPUSeconds, ts))
		ctrMem.Metric = append(ctrMem.Metric, gauge(ctrLabels, float64(u.MemoryBytes), ts))
		ctrStart.Metric = append(ctrStart.Metric, gauge(ctrLabels, float64(u.StartedAt.UnixMilli())/1000, ts))
		cpuTotal += u.CPUSeconds
		memTotal += float64(u.MemoryBytes)
	}
	ts := latestListing(usage, now).UnixMilli()
	nodeCPU.Metric = []*dto.Metric{counter(nil, cpuTotal, ts)}
	nodeMem.Metric = []*dto.Metric{gauge(nil, memTotal, ts)}
	scrapeErr.Metric = []*dto.Metric{gauge(nil, 0, 0)}
	out := []*dto.MetricFamily{nodeCPU, nodeMem, scrapeErr}
	for _, f := range []*dto.MetricFamily{podCPU, podMem, ctrCPU, ctrMem, ctrStart} {
		if len(f.Metric) > 0 {
			out = append(out, f)
		}
	}
	return out, nil
}

// latestListing is when the newest figures were listed, else now.
func latestListing(usage []PodUsage, now time.Time) time.Time {
	var at time.Time
	for _, u := range usage {
		if u.At.After(at) {
			at = u.At
		}
	}
	if at.IsZero() {
		return now
	}
	return at
}

func label(name, value string) *dto.LabelPair {
	return &dto.LabelPair{Name: proto.String(name), Value: proto.String(value)}
}

func counter(labels []*dto.LabelPair, v float64, ts int64) *dto.Metric {
	m := &dto.Metric{Label: labels, Counter: &dto.Counter{Value: proto.Float64(v)}}
	if ts > 0 {
		m.TimestampMs = proto.Int64(ts)
	}
	return m
}

func gauge(labels []*dto.LabelPair, v float64, ts int64) *dto.Metric {
	m := &dto.Metric{Label: labels, Gauge: &dto.Gauge{Value: proto.Float64(v)}}
	if ts > 0 {
		m.TimestampMs = proto.Int64(ts)
	}
	return m
}

func ptrTo[T any](v T) *T { return &v }
