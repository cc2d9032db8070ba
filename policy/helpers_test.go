package policy

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

const testUID = "0f6e4a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b"

// testPod is a one-container pod as virtual-kubelet hands it to the provider.
func testPod(mods ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "train", Namespace: "ml", UID: testUID},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:  "main",
			Image: "ghcr.io/acme/train:1",
		}}},
	}
	for _, m := range mods {
		m(p)
	}
	return p
}

func withAnnotations(kv ...string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			p.Annotations[kv[i]] = kv[i+1]
		}
	}
}

func withGPUs(n string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{ResourceGPU: resource.MustParse(n)}
	}
}

func withEnv(kv ...string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		for i := 0; i+1 < len(kv); i += 2 {
			p.Spec.Containers[0].Env = append(p.Spec.Containers[0].Env, corev1.EnvVar{Name: kv[i], Value: kv[i+1]})
		}
	}
}

func annotationsOf(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func testNode() NodeSettings {
	return NodeSettings{ClusterID: "prod-eu", NodeName: "runpod", MaxGPUPrice: 2.0}
}

// testCPUCatalog is GET /v2/catalog/cpus with two flavors.
func testCPUCatalog() []runpodapi.CpuType {
	return []runpodapi.CpuType{
		{ID: "cpu3c", Vcpu: runpodapi.VcpuRange{Min: 2, Max: 32}, Price: runpodapi.CpuPrice{SecurePerVcpu: 0.03}},
		{ID: "cpu5c", Vcpu: runpodapi.VcpuRange{Min: 4, Max: 16}, Price: runpodapi.CpuPrice{SecurePerVcpu: 0.05}},
	}
}

// dcs builds a dataCenters list: "US-TX-3=HIGH", ...
func dcs(specs ...string) []runpodapi.DataCenterAvailability {
	var out []runpodapi.DataCenterAvailability
	for _, s := range specs {
		id, level, _ := strings.Cut(s, "=")
		out = append(out, runpodapi.DataCenterAvailability{ID: id, Name: id, Availability: runpodapi.AvailabilityLevel(level)})
	}
	return out
}

func gpuType(id string, memGB int, secure, community float64, avail runpodapi.AvailabilityLevel, dataCenters ...string) runpodapi.GpuType {
	return runpodapi.GpuType{
		ID: id, Name: id, Manufacturer: "Nvidia", Memory: memGB,
		Secure: secure > 0, Community: community > 0,
		Price:        runpodapi.GpuPrice{Secure: secure, Community: community},
		MaxCount:     runpodapi.GpuMaxCount{Secure: 8, Community: 4},
		Availability: avail,
		DataCenters:  dcs(dataCenters...),
	}
}

// testCatalog: four types of increasing price.
func testCatalog() []runpodapi.GpuType {
	return []runpodapi.GpuType{
		gpuType("NVIDIA GeForce RTX 3090", 24, 0.43, 0.22, runpodapi.AvailabilityLow, "US-TX-3=LOW", "EU-RO-1=LOW"),
		gpuType("NVIDIA RTX A5000", 24, 0.27, 0.16, runpodapi.AvailabilityHigh, "EU-RO-1=HIGH", "US-CA-2=MEDIUM"),
		gpuType("NVIDIA L40S", 48, 0.86, 0.79, runpodapi.AvailabilityMedium, "US-TX-3=MEDIUM", "EU-RO-1=NONE"),
		gpuType("NVIDIA H100 80GB HBM3", 80, 2.69, 0, runpodapi.AvailabilityHigh, "US-TX-3=HIGH"),
	}
}

// wantPolicyError checks err is an *Error of kind, whose message contains every part.
func wantPolicyError(t *testing.T, err error, kind error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v containing %q", kind, parts)
	}
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %q (%T) is not a *policy.Error", err, err)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %q is not %v", err, kind)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}
