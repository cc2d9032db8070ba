package policy_test

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// BenchmarkPlanFullCatalog is one placement decision for a 1-GPU pod with
// ports, env, a command and a VRAM floor, against a full catalog with stock:
// the simulator's market as GET /v2/catalog/gpus?include=AVAILABILITY serves
// it (9 types × 5 data centers), and a production-sized synthetic one
// (40 types × 30 data centers, every data center allowed).
func BenchmarkPlanFullCatalog(b *testing.B) {
	simCatalog := simulatorCatalog(b)
	big, bigDCs := syntheticCatalog(40, 30)
	cases := []struct {
		name    string
		catalog []runpodapi.GpuType
		dcs     []string
	}{
		{"simulator-9x5/any-dc", simCatalog, nil},
		{"simulator-9x5/allow-5-dcs", simCatalog, []string{"US-TX-3", "US-KS-2", "EU-RO-1", "CA-MTL-1", "EU-SE-1"}},
		{"synthetic-40x30/allow-30-dcs", big, bigDCs},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			in := policy.Input{Pod: benchPod(), Catalog: c.catalog, Node: policy.NodeSettings{
				ClusterID: "0f6e4a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b", NodeName: "virtual-runpod",
				MaxGPUPrice: 3, DataCenterIDs: c.dcs,
			}}
			b.ReportAllocs()
			var n int
			for b.Loop() {
				plan, err := policy.Plan(in)
				if err != nil {
					b.Fatal(err)
				}
				n = len(plan.Candidates)
			}
			b.ReportMetric(float64(n), "candidates")
		})
	}
}

// simulatorCatalog reads the simulator's GPU catalog with stock, as the
// kubelet does before planning a 1-GPU SECURE pod.
func simulatorCatalog(b *testing.B) []runpodapi.GpuType {
	b.Helper()
	srv := simulator.NewServer(simulator.Options{APIKey: "bench-key"})
	defer srv.Close()
	c, err := runpodapi.New(runpodapi.Config{BaseURL: srv.URL, APIKey: "bench-key", DefaultPerMinute: -1})
	if err != nil {
		b.Fatal(err)
	}
	gpus, err := c.ListGpuTypes(context.Background(), runpodapi.GpuTypeQuery{Availability: true, Count: 1, Cloud: runpodapi.CloudSecure})
	if err != nil {
		b.Fatal(err)
	}
	return gpus
}

// syntheticCatalog has types GPU types, each stocked in every data center at
// a level that varies with the pair, and returns the data center ids.
func syntheticCatalog(types, dataCenters int) ([]runpodapi.GpuType, []string) {
	levels := []runpodapi.AvailabilityLevel{runpodapi.AvailabilityHigh, runpodapi.AvailabilityMedium,
		runpodapi.AvailabilityLow, runpodapi.AvailabilityNone}
	ids := make([]string, dataCenters)
	for d := range ids {
		ids[d] = fmt.Sprintf("DC-%02d", d)
	}
	out := make([]runpodapi.GpuType, types)
	for i := range out {
		price := 0.15 + 0.07*float64(i)
		g := runpodapi.GpuType{
			ID: fmt.Sprintf("NVIDIA Synthetic %02d", i), Name: fmt.Sprintf("Synthetic %02d", i), Manufacturer: "NVIDIA",
			Memory: 16 + 8*(i%10), Secure: true, Community: true,
			Price:        runpodapi.GpuPrice{Secure: price, Community: price * 0.8},
			MaxCount:     runpodapi.GpuMaxCount{Secure: 8, Community: 4},
			Availability: runpodapi.AvailabilityHigh,
		}
		for d, id := range ids {
			g.DataCenters = append(g.DataCenters, runpodapi.DataCenterAvailability{ID: id, Name: id, Availability: levels[(i+d)%len(levels)]})
		}
		out[i] = g
	}
	return out, ids
}

func benchPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "train", Namespace: "ml", UID: "7d1c9a52-3e4f-4b6a-9c8d-1e2f3a4b5c6d",
			Annotations: map[string]string{policy.AnnotationRequiredGPUMemory: "24", policy.AnnotationContainerDiskGB: "40"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "main", Image: "runpod/pytorch:2.4.0",
			Command: []string{"python", "train.py"}, Args: []string{"--model", "$(MODEL)"},
			Env:   []corev1.EnvVar{{Name: "MODEL", Value: "llama"}, {Name: "EPOCHS", Value: "3"}},
			Ports: []corev1.ContainerPort{{ContainerPort: 8888}, {ContainerPort: 22}},
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
				"nvidia.com/gpu": resource.MustParse("1")}},
		}}},
	}
}
