package policy

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestGPUCount(t *testing.T) {
	q := resource.MustParse
	tests := []struct {
		name     string
		limits   corev1.ResourceList
		requests corev1.ResourceList
		want     int
		wantErr  bool
	}{
		{name: "none: CPU pod", want: 0},
		{name: "limit", limits: corev1.ResourceList{ResourceGPU: q("2")}, want: 2},
		{name: "request only", requests: corev1.ResourceList{ResourceGPU: q("1")}, want: 1},
		{name: "limit wins", limits: corev1.ResourceList{ResourceGPU: q("4")}, requests: corev1.ResourceList{ResourceGPU: q("1")}, want: 4},
		{name: "zero", limits: corev1.ResourceList{ResourceGPU: q("0")}, want: 0},
		{name: "fraction", limits: corev1.ResourceList{ResourceGPU: q("500m")}, wantErr: true},
		{name: "too many", limits: corev1.ResourceList{ResourceGPU: q("65")}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &corev1.Container{Name: "main", Resources: corev1.ResourceRequirements{Limits: tt.limits, Requests: tt.requests}}
			got, err := gpuCount(c)
			if tt.wantErr {
				wantPolicyError(t, err, ErrRefused, `container "main" resource nvidia.com/gpu`, "is not a whole number of GPUs")
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestVCPUCount(t *testing.T) {
	q := resource.MustParse
	tests := []struct {
		name     string
		requests corev1.ResourceList
		limits   corev1.ResourceList
		want     int
	}{
		{name: "none", want: 2},
		{name: "100m", requests: corev1.ResourceList{corev1.ResourceCPU: q("100m")}, want: 2},
		{name: "2", requests: corev1.ResourceList{corev1.ResourceCPU: q("2")}, want: 2},
		{name: "2.5", requests: corev1.ResourceList{corev1.ResourceCPU: q("2500m")}, want: 4},
		{name: "5", requests: corev1.ResourceList{corev1.ResourceCPU: q("5")}, want: 8},
		{name: "16", requests: corev1.ResourceList{corev1.ResourceCPU: q("16")}, want: 16},
		{name: "limit when no request", limits: corev1.ResourceList{corev1.ResourceCPU: q("3")}, want: 4},
		{name: "request wins", requests: corev1.ResourceList{corev1.ResourceCPU: q("1")}, limits: corev1.ResourceList{corev1.ResourceCPU: q("8")}, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &corev1.Container{Resources: corev1.ResourceRequirements{Requests: tt.requests, Limits: tt.limits}}
			if got := vcpuCount(c); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
