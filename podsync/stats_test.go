package podsync

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
)

// Usage comes from the listings: CPU from cpu.util × vCPUs (integrated into
// a counter between listings), memory from memory.util × the pod's memory,
// in /stats/summary and in /metrics/resource as metrics-server reads it.
func TestUsageFromTheListing(t *testing.T) {
	pod := gpuPod("busy", 1, nil)
	r := newRig(t, nil, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running", func() bool { return phaseOf(r, "busy") == corev1.PodRunning })
	r.rounds(1)
	r.advance(10 * time.Second)
	r.rounds(1)

	sum, err := r.p.GetStatsSummary(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Pods) != 1 {
		t.Fatalf("summary pods %+v, want the running pod", sum.Pods)
	}
	ps := sum.Pods[0]
	rp := r.sim.Pods()[0]
	if ps.PodRef.Name != "busy" || ps.PodRef.UID != string(pod.UID) || len(ps.Containers) != 1 || ps.Containers[0].Name != "main" {
		t.Errorf("pod stats %+v, want busy's one container", ps)
	}
	if ps.CPU == nil || *ps.CPU.UsageNanoCores == 0 || *ps.CPU.UsageCoreNanoSeconds == 0 {
		t.Errorf("CPU %+v, want the rate and the time of 10 s at RunPod's utilisation", ps.CPU)
	}
	if max := uint64(rp.Gpu.VcpuCount) * 1e9; *ps.CPU.UsageNanoCores > max {
		t.Errorf("%d nanocores on %d vCPUs", *ps.CPU.UsageNanoCores, rp.Gpu.VcpuCount)
	}
	if ps.Memory == nil || *ps.Memory.WorkingSetBytes == 0 || *ps.Memory.WorkingSetBytes > uint64(rp.Gpu.Memory)<<30 {
		t.Errorf("memory %+v on a %d GB host share", ps.Memory, rp.Gpu.Memory)
	}
	if *sum.Node.CPU.UsageNanoCores != *ps.CPU.UsageNanoCores || *sum.Node.Memory.WorkingSetBytes != *ps.Memory.WorkingSetBytes {
		t.Errorf("node totals %+v %+v, want the one pod's", sum.Node.CPU, sum.Node.Memory)
	}

	fams, err := r.p.GetMetricsResource(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range fams {
		if err := enc.Encode(f); err != nil {
			t.Fatal(err)
		}
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	parsed, err := parser.TextToMetricFamilies(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatalf("/metrics/resource does not parse: %v\n%s", err, buf.String())
	}
	for _, name := range []string{"node_cpu_usage_seconds_total", "node_memory_working_set_bytes", "pod_cpu_usage_seconds_total",
		"pod_memory_working_set_bytes", "container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "container_start_time_seconds"} {
		f, ok := parsed[name]
		if !ok || len(f.Metric) == 0 {
			t.Errorf("/metrics/resource lacks %s:\n%s", name, buf.String())
			continue
		}
		if f.Metric[0].TimestampMs == nil {
			t.Errorf("%s has no timestamp; metrics-server needs one", name)
		}
	}
	before := parsed["container_cpu_usage_seconds_total"].Metric[0].GetCounter().GetValue()
	r.advance(10 * time.Second)
	r.rounds(1)
	sum2, _ := r.p.GetStatsSummary(r.ctx)
	if after := float64(*sum2.Pods[0].CPU.UsageCoreNanoSeconds) / 1e9; after <= before {
		t.Errorf("CPU time %v after %v: the counter must grow while the pod runs", after, before)
	}

	// A deleted pod drops out.
	if err := r.p.DeletePod(r.ctx, forceDeleted(pod)); err != nil {
		t.Fatal(err)
	}
	r.rounds(1)
	if sum3, _ := r.p.GetStatsSummary(r.ctx); len(sum3.Pods) != 0 {
		t.Errorf("a deleted pod still reports usage: %+v", sum3.Pods)
	}
}
