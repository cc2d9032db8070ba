package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// namesCatalog is the live catalog's shape: ids, display names, and the
// placeholder entry.
func namesCatalog() []runpodapi.GpuType {
	named := func(id, name string, mem int) runpodapi.GpuType {
		g := gpuType(id, mem, 1, 1, runpodapi.AvailabilityHigh)
		g.Name = name
		return g
	}
	return []runpodapi.GpuType{
		named("NVIDIA GeForce RTX 3090", "RTX 3090", 24),
		named("NVIDIA GeForce RTX 4090", "RTX 4090", 24),
		named("NVIDIA RTX A5000", "RTX A5000", 24),
		named("NVIDIA L40S", "L40S", 48),
		named("NVIDIA A100 80GB PCIe", "A100 PCIe", 80),
		named("NVIDIA A100-SXM4-80GB", "A100 SXM", 80),
		named("NVIDIA H100 PCIe", "H100 PCIe", 80),
		named("NVIDIA H100 80GB HBM3", "H100 SXM", 80),
		named("unknown", "unknown", 0),
	}
}

func TestResolveGPUNames(t *testing.T) {
	tests := []struct {
		names   []string
		want    []string
		wantErr []string
	}{
		{names: []string{"NVIDIA H100 80GB HBM3"}, want: []string{"NVIDIA H100 80GB HBM3"}},
		{names: []string{"nvidia h100 80gb hbm3"}, want: []string{"NVIDIA H100 80GB HBM3"}},
		{names: []string{"H100"}, want: []string{"NVIDIA H100 PCIe", "NVIDIA H100 80GB HBM3"}},
		{names: []string{"h100 sxm"}, want: []string{"NVIDIA H100 80GB HBM3"}},
		{names: []string{"H100-SXM"}, want: []string{"NVIDIA H100 80GB HBM3"}},
		{names: []string{"h100sxm"}, want: []string{"NVIDIA H100 80GB HBM3"}},
		{names: []string{"RTX 4090"}, want: []string{"NVIDIA GeForce RTX 4090"}},
		{names: []string{"4090"}, want: []string{"NVIDIA GeForce RTX 4090"}},
		{names: []string{"rtx4090"}, want: []string{"NVIDIA GeForce RTX 4090"}},
		{names: []string{"A100-80GB"}, want: []string{"NVIDIA A100 80GB PCIe", "NVIDIA A100-SXM4-80GB"}},
		{names: []string{"a5000"}, want: []string{"NVIDIA RTX A5000"}},
		{names: []string{"4090", "RTX 4090", "H100 PCIe"}, want: []string{"NVIDIA GeForce RTX 4090", "NVIDIA H100 PCIe"}},
		{names: []string{"RTX"}, wantErr: []string{`"RTX" is ambiguous`, "RTX 3090 (NVIDIA GeForce RTX 3090)", "RTX A5000"}},
		{names: []string{"80GB"}, wantErr: []string{`"80GB" is ambiguous`}},
		{names: []string{"H10"}, wantErr: []string{`"H10" matches no GPU type`, "did you mean", "H100"}},
		{names: []string{"RTX 4900"}, wantErr: []string{"did you mean RTX 4090 (NVIDIA GeForce RTX 4090)"}},
		{names: []string{"unknown"}, wantErr: []string{`"unknown" matches no GPU type`}},
		{names: []string{"B200"}, wantErr: []string{`"B200" matches no GPU type`}},
		{names: []string{"--"}, wantErr: []string{"names no GPU type"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.names, ","), func(t *testing.T) {
			types, err := resolveGPUNames(namesCatalog(), tt.names, "annotation "+AnnotationGPUTypeIDs)
			if tt.wantErr != nil {
				wantPolicyError(t, err, ErrRefused, append(tt.wantErr, AnnotationGPUTypeIDs)...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range types {
				got = append(got, g.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("resolved %q, want %q", got, tt.want)
			}
		})
	}
}

// An unknown name in a pod's annotation is refused by the plan, before any
// create: the error is ErrRefused, not a wait for capacity.
func TestPlanRefusesAnUnknownGPUName(t *testing.T) {
	pod := testPod(withGPUs("1"), withAnnotations(AnnotationGPUTypeIDs, "H100 SXMM"))
	_, err := Plan(Input{Pod: pod, Node: testNode(), Catalog: namesCatalog()})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "did you mean H100 SXM") {
		t.Fatalf("plan error %v, want a refusal suggesting H100 SXM", err)
	}
}
