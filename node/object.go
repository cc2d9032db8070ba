package node

import (
	"fmt"
	"net"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Labels every runpod-kubelet node carries.
const (
	LabelType     = "type"
	LabelOS       = corev1.LabelOSStable   // kubernetes.io/os
	LabelArch     = corev1.LabelArchStable // kubernetes.io/arch
	LabelRole     = "kubernetes.io/role"
	LabelHostname = corev1.LabelHostname // kubernetes.io/hostname

	TypeVirtualKubelet = "virtual-kubelet"
	RoleAgent          = "agent"
	OS                 = "linux"
	Arch               = "amd64"
)

// The taint keeps ordinary pods off the node: only pods that tolerate it
// become RunPod pods (and cost money).
const (
	TaintKey   = "virtual-kubelet.io/provider"
	TaintValue = "runpod"
)

// ResourceGPU is the extended resource pods request GPUs with.
const ResourceGPU corev1.ResourceName = "nvidia.com/gpu"

// KubeletVersion is what `kubectl get nodes` shows in VERSION.
const KubeletVersion = "v1.35.0-runpod-kubelet"

// ProviderIDScheme prefixes Spec.ProviderID: runpod://<cluster>/<node>.
const ProviderIDScheme = "runpod://"

// Settings is what the node is registered with; app/ fills it from the
// environment.
type Settings struct {
	Name       string // node name, also the kubernetes.io/hostname label
	ClusterID  string // this cluster's id, part of the providerID
	InternalIP string // the current leader's pod IP: where the apiserver reaches the kubelet API
	// KubeletPort is the kubelet API port (logs, exec) advertised in
	// Status.DaemonEndpoints.
	KubeletPort int32
	// Capacity: cpu, memory, pods and nvidia.com/gpu.
	CPU, Memory, Pods, GPU resource.Quantity

	MaxHourlySpend float64 // $/h over all RunPod pods; 0 = no cap
}

// ProviderID is runpod://<cluster>/<node>.
func (s Settings) ProviderID() string {
	return ProviderIDScheme + s.ClusterID + "/" + s.Name
}

// NewObject is the Node to register: labels, taint, providerID, capacity,
// addresses, node info and the initial conditions (Ready; the RunPod
// conditions Unknown until the first Report). Taints and providerID live in
// Spec, which virtual-kubelet only sends when it creates the node.
func NewObject(s Settings, now metav1.Time) (*corev1.Node, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	capacity, err := s.capacity()
	if err != nil {
		return nil, err
	}
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: s.Name,
			Labels: map[string]string{
				LabelType:     TypeVirtualKubelet,
				LabelOS:       OS,
				LabelArch:     Arch,
				LabelRole:     RoleAgent,
				LabelHostname: s.Name,
			},
		},
		Spec: corev1.NodeSpec{
			ProviderID: s.ProviderID(),
			Taints: []corev1.Taint{{
				Key:    TaintKey,
				Value:  TaintValue,
				Effect: corev1.TaintEffectNoSchedule,
			}},
		},
		Status: corev1.NodeStatus{
			Phase:       corev1.NodeRunning,
			Capacity:    capacity,
			Allocatable: capacity.DeepCopy(),
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: s.InternalIP},
				{Type: corev1.NodeHostName, Address: s.Name},
			},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{
				KubeletEndpoint: corev1.DaemonEndpoint{Port: s.KubeletPort},
			},
			NodeInfo: corev1.NodeSystemInfo{
				OperatingSystem: OS,
				Architecture:    Arch,
				KubeletVersion:  KubeletVersion,
			},
		},
	}
	applyKubeletConditions(n, now)
	setCondition(n, corev1.NodeCondition{
		Type:    ConditionRunPodAPIReachable,
		Status:  corev1.ConditionUnknown,
		Reason:  ReasonNotReportedYet,
		Message: "no RunPod API call reported yet",
	}, now)
	setCondition(n, corev1.NodeCondition{
		Type:    ConditionRunPodSpend,
		Status:  corev1.ConditionUnknown,
		Reason:  ReasonNotReportedYet,
		Message: "no RunPod pod list reported yet; " + capText(s.MaxHourlySpend),
	}, now)
	return n, nil
}

func (s Settings) validate() error {
	if errs := validation.IsDNS1123Subdomain(s.Name); len(errs) > 0 {
		return fmt.Errorf("node setting Name %q: %s", s.Name, strings.Join(errs, "; "))
	}
	// The name is also the kubernetes.io/hostname label value.
	if errs := validation.IsValidLabelValue(s.Name); len(errs) > 0 {
		return fmt.Errorf("node setting Name %q as label %s: %s", s.Name, LabelHostname, strings.Join(errs, "; "))
	}
	if s.ClusterID == "" || strings.ContainsAny(s.ClusterID, "/ \t\n") {
		return fmt.Errorf("node setting ClusterID %q: must be non-empty, without '/' or spaces", s.ClusterID)
	}
	if net.ParseIP(s.InternalIP) == nil {
		return fmt.Errorf("node setting InternalIP %q: not an IP address", s.InternalIP)
	}
	if s.KubeletPort < 1 || s.KubeletPort > 65535 {
		return fmt.Errorf("node setting KubeletPort %d: must be 1-65535", s.KubeletPort)
	}
	if s.MaxHourlySpend < 0 {
		return fmt.Errorf("node setting MaxHourlySpend %v: must be >= 0 (0 = no cap)", s.MaxHourlySpend)
	}
	return nil
}

func (s Settings) capacity() (corev1.ResourceList, error) {
	fields := []struct {
		field   string
		value   resource.Quantity
		name    corev1.ResourceName
		integer bool
	}{
		{"CPU", s.CPU, corev1.ResourceCPU, false},
		{"Memory", s.Memory, corev1.ResourceMemory, false},
		{"Pods", s.Pods, corev1.ResourcePods, true},
		{"GPU", s.GPU, ResourceGPU, true},
	}
	list := corev1.ResourceList{}
	for _, f := range fields {
		if f.value.Sign() < 0 {
			return nil, fmt.Errorf("node setting %s %s: must not be negative", f.field, f.value.String())
		}
		if f.integer && f.value.MilliValue()%1000 != 0 {
			return nil, fmt.Errorf("node setting %s %s: must be a whole number", f.field, f.value.String())
		}
		list[f.name] = f.value
	}
	return list, nil
}
