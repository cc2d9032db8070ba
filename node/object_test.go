package node

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = metav1.NewTime(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))

func testSettings() Settings {
	return Settings{
		Name:           "runpod",
		ClusterID:      "prod-eu",
		InternalIP:     "10.1.2.3",
		KubeletPort:    10250,
		CPU:            resource.MustParse("100"),
		Memory:         resource.MustParse("512Gi"),
		Pods:           resource.MustParse("1000"),
		GPU:            resource.MustParse("64"),
		MaxHourlySpend: 10,
	}
}

func TestNewObject(t *testing.T) {
	n, err := NewObject(testSettings(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if n.Name != "runpod" {
		t.Errorf("name = %q", n.Name)
	}
	for k, want := range map[string]string{
		"type":                   "virtual-kubelet",
		"kubernetes.io/os":       "linux",
		"kubernetes.io/arch":     "amd64",
		"kubernetes.io/role":     "agent",
		"kubernetes.io/hostname": "runpod",
	} {
		if got := n.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
	if len(n.Labels) != 5 {
		t.Errorf("labels = %v, want exactly 5", n.Labels)
	}
	wantTaint := corev1.Taint{Key: "virtual-kubelet.io/provider", Value: "runpod", Effect: corev1.TaintEffectNoSchedule}
	if len(n.Spec.Taints) != 1 || n.Spec.Taints[0] != wantTaint {
		t.Errorf("taints = %v, want [%v]", n.Spec.Taints, wantTaint)
	}
	if n.Spec.ProviderID != "runpod://prod-eu/runpod" {
		t.Errorf("providerID = %q", n.Spec.ProviderID)
	}
	for name, want := range map[corev1.ResourceName]string{
		corev1.ResourceCPU:    "100",
		corev1.ResourceMemory: "512Gi",
		corev1.ResourcePods:   "1000",
		"nvidia.com/gpu":      "64",
	} {
		w := resource.MustParse(want)
		if got := n.Status.Capacity[name]; got.Cmp(w) != 0 {
			t.Errorf("capacity %s = %s, want %s", name, got.String(), want)
		}
		if got := n.Status.Allocatable[name]; got.Cmp(w) != 0 {
			t.Errorf("allocatable %s = %s, want %s", name, got.String(), want)
		}
	}
	wantAddrs := []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: "10.1.2.3"},
		{Type: corev1.NodeHostName, Address: "runpod"},
	}
	if len(n.Status.Addresses) != 2 || n.Status.Addresses[0] != wantAddrs[0] || n.Status.Addresses[1] != wantAddrs[1] {
		t.Errorf("addresses = %v, want %v", n.Status.Addresses, wantAddrs)
	}
	if p := n.Status.DaemonEndpoints.KubeletEndpoint.Port; p != 10250 {
		t.Errorf("kubelet port = %d", p)
	}
	info := n.Status.NodeInfo
	if info.OperatingSystem != "linux" || info.Architecture != "amd64" || info.KubeletVersion != KubeletVersion {
		t.Errorf("node info = %+v", info)
	}
	if n.Status.Phase != corev1.NodeRunning {
		t.Errorf("phase = %s", n.Status.Phase)
	}
	for typ, want := range map[corev1.NodeConditionType]corev1.ConditionStatus{
		corev1.NodeReady:              corev1.ConditionTrue,
		corev1.NodeDiskPressure:       corev1.ConditionFalse,
		corev1.NodeMemoryPressure:     corev1.ConditionFalse,
		corev1.NodePIDPressure:        corev1.ConditionFalse,
		corev1.NodeNetworkUnavailable: corev1.ConditionFalse,
		ConditionRunPodAPIReachable:   corev1.ConditionUnknown,
		ConditionRunPodSpend:          corev1.ConditionUnknown,
	} {
		c := condition(t, n, typ)
		if c.Status != want {
			t.Errorf("%s = %s, want %s", typ, c.Status, want)
		}
		if !c.LastTransitionTime.Equal(&t0) || !c.LastHeartbeatTime.Equal(&t0) {
			t.Errorf("%s times = %v/%v, want %v", typ, c.LastTransitionTime, c.LastHeartbeatTime, t0)
		}
	}
	if got := condition(t, n, corev1.NodeReady).Reason; got != "KubeletReady" {
		t.Errorf("Ready reason = %q", got)
	}
	if got := condition(t, n, ConditionRunPodSpend).Message; !strings.Contains(got, "cap $10.00/h") {
		t.Errorf("initial spend message = %q", got)
	}
	if _, ok := n.Annotations[AnnotationHourlySpend]; ok {
		t.Errorf("spend annotation set before any report: %v", n.Annotations)
	}
}

func TestNewObjectRejects(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Settings)
		want   string // the field the error must name
	}{
		// Unparsable quantities never get here: app.Load refuses them (config_test).
		{"negative memory", func(s *Settings) { s.Memory = resource.MustParse("-1Gi") }, "Memory"},
		{"fractional pods", func(s *Settings) { s.Pods = resource.MustParse("1.5") }, "Pods"},
		{"fractional gpu", func(s *Settings) { s.GPU = resource.MustParse("500m") }, "GPU"},
		{"empty name", func(s *Settings) { s.Name = "" }, "Name"},
		{"upper-case name", func(s *Settings) { s.Name = "RunPod" }, "Name"},
		{"name too long for hostname label", func(s *Settings) { s.Name = strings.Repeat("a", 64) }, "Name"},
		{"empty cluster", func(s *Settings) { s.ClusterID = "" }, "ClusterID"},
		{"cluster with slash", func(s *Settings) { s.ClusterID = "a/b" }, "ClusterID"},
		{"empty ip", func(s *Settings) { s.InternalIP = "" }, "InternalIP"},
		{"bad ip", func(s *Settings) { s.InternalIP = "10.1.2" }, "InternalIP"},
		{"zero port", func(s *Settings) { s.KubeletPort = 0 }, "KubeletPort"},
		{"negative cap", func(s *Settings) { s.MaxHourlySpend = -1 }, "MaxHourlySpend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSettings()
			tt.modify(&s)
			_, err := NewObject(s, t0)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "node setting "+tt.want+" ") {
				t.Errorf("error %q does not name %s", err, tt.want)
			}
		})
	}
}

func TestNewObjectAcceptsZeroGPUAndIPv6(t *testing.T) {
	s := testSettings()
	s.GPU = resource.MustParse("0")
	s.InternalIP = "fd00::5"
	s.MaxHourlySpend = 0
	n, err := NewObject(s, t0)
	if err != nil {
		t.Fatal(err)
	}
	if q := n.Status.Capacity[ResourceGPU]; !q.IsZero() {
		t.Errorf("gpu = %s", q.String())
	}
	if got := condition(t, n, ConditionRunPodSpend).Message; !strings.Contains(got, "no cap") {
		t.Errorf("spend message = %q", got)
	}
}

func condition(t *testing.T, n *corev1.Node, typ corev1.NodeConditionType) corev1.NodeCondition {
	t.Helper()
	var found []corev1.NodeCondition
	for _, c := range n.Status.Conditions {
		if c.Type == typ {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d conditions of type %s in %v", len(found), typ, n.Status.Conditions)
	}
	return found[0]
}
