package podsync

import (
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// BenchmarkBuildStatus1000 maps one reconcile round's worth of RUNNING pods
// (1,000, each with an HTTP and a mapped TCP port) per iteration.
func BenchmarkBuildStatus1000(b *testing.B) {
	const n = 1000
	inputs := make([]StatusInput, n)
	for i := range inputs {
		pod := statusPod("app", "log-shipper")
		pod.Name = "train-" + strconv.Itoa(i)
		rp := runningRunPod(true)
		rp.ID = "rp" + strconv.Itoa(i)
		in := statusInput(pod, rp)
		pod.Status = BuildStatus(in) // steady state: the API server already has the last status
		inputs[i] = in
	}
	b.ReportAllocs()
	var phase corev1.PodPhase
	for b.Loop() {
		for i := range inputs {
			phase = BuildStatus(inputs[i]).Phase
		}
	}
	if phase != corev1.PodRunning {
		b.Fatalf("phase = %s, want Running", phase)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/pod")
}
