package policy

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// ALLOWED_GPU_TYPES resolves like the annotation and narrows every choice.
func TestPlanObeysAllowedGPUTypes(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		pinned  string
		want    []string // candidate GPU types, in order
		wantErr []string // refusal parts
	}{
		{name: "no setting", want: []string{"NVIDIA GeForce RTX 3090", "NVIDIA GeForce RTX 4090", "NVIDIA RTX A5000",
			"NVIDIA L40S", "NVIDIA A100 80GB PCIe", "NVIDIA A100-SXM4-80GB", "NVIDIA H100 PCIe", "NVIDIA H100 80GB HBM3"}},
		{name: "names people type", allowed: []string{"4090", "l40s"}, want: []string{"NVIDIA GeForce RTX 4090", "NVIDIA L40S"}},
		{name: "one model, all its types", allowed: []string{"H100"}, want: []string{"NVIDIA H100 PCIe", "NVIDIA H100 80GB HBM3"}},
		{name: "pinned within the list", allowed: []string{"H100"}, pinned: "h100 sxm", want: []string{"NVIDIA H100 80GB HBM3"}},
		{name: "pinned outside the list", allowed: []string{"4090"}, pinned: "H100",
			wantErr: []string{"this node offers only RTX 4090", "ALLOWED_GPU_TYPES"}},
		{name: "a typo in the setting", allowed: []string{"RTX 4900"},
			wantErr: []string{"node setting ALLOWED_GPU_TYPES", "did you mean RTX 4090"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := testNode()
			node.MaxGPUPrice = 0
			node.AllowedGPUTypes = tt.allowed
			mods := []func(*corev1.Pod){withGPUs("1")}
			if tt.pinned != "" {
				mods = append(mods, withAnnotations(AnnotationGPUTypeIDs, tt.pinned))
			}
			plan, err := Plan(Input{Pod: testPod(mods...), Node: node, Catalog: namesCatalog()})
			if tt.wantErr != nil {
				wantPolicyError(t, err, ErrRefused, tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, c := range plan.Candidates {
				got[c.GpuTypeID] = true
			}
			if len(got) != len(tt.want) {
				t.Fatalf("candidates %v, want %v", got, tt.want)
			}
			for _, id := range tt.want {
				if !got[id] {
					t.Errorf("candidates %v lack %q", got, id)
				}
			}
		})
	}
}

// A GPU pod's cpu and memory requests become per-GPU host filters.
func TestPlanMapsRequestsToHostFilters(t *testing.T) {
	tests := []struct {
		name               string
		gpus               string
		requests, limits   corev1.ResourceList
		wantVcpus, wantRAM int
		wantNote           string
	}{
		{name: "no requests", gpus: "1"},
		{name: "16 vCPUs and 64Gi on one GPU", gpus: "1",
			requests:  corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("16"), corev1.ResourceMemory: resource.MustParse("64Gi")},
			wantVcpus: 16, wantRAM: 64, wantNote: "hosts with ≥ 16 vCPUs and ≥ 64 GB RAM per GPU"},
		{name: "divided among GPUs, rounded up", gpus: "2",
			requests:  corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("9"), corev1.ResourceMemory: resource.MustParse("100G")},
			wantVcpus: 5, wantRAM: 47, wantNote: "≥ 5 vCPUs and ≥ 47 GB RAM per GPU"},
		{name: "millicores round up to one", gpus: "4",
			requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}, wantVcpus: 1, wantNote: "≥ 1 vCPU per GPU"},
		{name: "limit when no request", gpus: "1",
			limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Mi")}, wantRAM: 1, wantNote: "≥ 1 GB RAM"},
		{name: "request wins over limit", gpus: "1",
			requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")},
			limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8")}, wantVcpus: 4, wantNote: "≥ 4 vCPUs per GPU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := testPod(withGPUs(tt.gpus))
			c := &pod.Spec.Containers[0]
			c.Resources.Requests = tt.requests
			for k, v := range tt.limits {
				c.Resources.Limits[k] = v
			}
			node := testNode()
			node.MaxGPUPrice = 0
			plan, err := Plan(Input{Pod: pod, Node: node, Catalog: testCatalog()})
			if err != nil {
				t.Fatal(err)
			}
			for _, cand := range plan.Candidates {
				g := cand.Request.Gpu
				if g.MinVcpuCountPerGpu != tt.wantVcpus || g.MinRamPerGpu != tt.wantRAM {
					t.Fatalf("%s: per-GPU filters %d vCPUs %d GB, want %d and %d", cand.GpuTypeID,
						g.MinVcpuCountPerGpu, g.MinRamPerGpu, tt.wantVcpus, tt.wantRAM)
				}
			}
			if tt.wantNote != "" && !strings.Contains(plan.Explanation, tt.wantNote) {
				t.Errorf("explanation %q lacks %q", plan.Explanation, tt.wantNote)
			}
			if tt.wantNote == "" && strings.Contains(plan.Explanation, "per GPU (from") {
				t.Errorf("explanation %q mentions host filters that were not asked for", plan.Explanation)
			}
		})
	}
}

// CPU pods keep the vCPU mapping and carry no GPU block.
func TestCPUPodHasNoHostFilters(t *testing.T) {
	pod := testPod()
	pod.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3")}
	plan, err := Plan(Input{Pod: pod, Node: testNode(), CPUCatalog: testCPUCatalog()})
	if err != nil {
		t.Fatal(err)
	}
	r := plan.Candidates[0].Request
	if r.Gpu != nil || r.Cpu == nil || r.Cpu.VcpuCount != 4 {
		t.Fatalf("CPU pod request gpu=%v cpu=%+v, want no GPU block and 4 vCPUs", r.Gpu, r.Cpu)
	}
}

// A tier's placeholder price never ranks a card that tier does not offer,
// and the catalog's placeholder types never become candidates.
func TestPlaceholderPricesNeverRank(t *testing.T) {
	catalog := []runpodapi.GpuType{
		gpuType("NVIDIA A100-SXM4-80GB", 80, 1.89, 0, runpodapi.AvailabilityHigh),
		gpuType("NVIDIA GeForce RTX 4090", 24, 0, 0.34, runpodapi.AvailabilityHigh),
		gpuType("unknown", 0, 0.01, 0.01, runpodapi.AvailabilityHigh),
	}
	catalog[0].Price.Community = 0.50 // placeholder: community does not offer it
	catalog[1].Price.Secure = 0.05    // placeholder: secure does not offer it
	tests := []struct {
		cloud runpodapi.Cloud
		want  []string
	}{
		{runpodapi.CloudCommunity, []string{"NVIDIA GeForce RTX 4090"}},
		{runpodapi.CloudSecure, []string{"NVIDIA A100-SXM4-80GB"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.cloud), func(t *testing.T) {
			node := testNode()
			node.MaxGPUPrice, node.CloudType = 0, tt.cloud
			plan, err := Plan(Input{Pod: testPod(withGPUs("1")), Node: node, Catalog: catalog})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range plan.Candidates {
				got = append(got, c.GpuTypeID)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("%s candidates %v, want %v", tt.cloud, got, tt.want)
			}
		})
	}
}
