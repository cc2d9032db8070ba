package policy

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ResourceGPU is the extended resource a pod asks GPUs with.
const ResourceGPU corev1.ResourceName = "nvidia.com/gpu"

// maxGPUCount bounds a GPU request; no RunPod machine has more.
const maxGPUCount = 64

// gpuCount is the container's nvidia.com/gpu limit, or its request when no
// limit is set; 0 means a CPU pod.
func gpuCount(c *corev1.Container) (int, error) {
	q, ok := c.Resources.Limits[ResourceGPU]
	if !ok {
		q, ok = c.Resources.Requests[ResourceGPU]
	}
	if !ok {
		return 0, nil
	}
	if q.Sign() < 0 || q.MilliValue()%1000 != 0 || q.Value() > maxGPUCount {
		return 0, refused(fmt.Sprintf("container %q resource %s", c.Name, ResourceGPU),
			fmt.Sprintf("%s is not a whole number of GPUs from 0 to %d", q.String(), maxGPUCount))
	}
	return int(q.Value()), nil
}

// vcpuCount is the container's cpu request (or limit when no request), rounded
// up to a power of two of at least 2, as v2 `cpu.vcpuCount` requires.
func vcpuCount(c *corev1.Container) int {
	q, ok := c.Resources.Requests[corev1.ResourceCPU]
	if !ok {
		q, ok = c.Resources.Limits[corev1.ResourceCPU]
	}
	n := 2
	if !ok {
		return n
	}
	cores := (q.MilliValue() + 999) / 1000
	for int64(n) < cores && n < 1<<20 {
		n *= 2
	}
	return n
}

// hostFilter is what a GPU pod's cpu and memory requests ask of the host,
// per GPU: RunPod's gpu.minVcpuCountPerGpu and gpu.minRamPerGpu filters.
type hostFilter struct {
	vcpus int // host vCPUs per GPU; 0 = no filter
	ramGB int // GB of host RAM per GPU; 0 = no filter
}

// hostPerGPU divides the container's cpu and memory requests (else limits)
// among its GPUs, rounding up to whole vCPUs and GiB (RunPod's GB).
func hostPerGPU(c *corev1.Container, gpus int) hostFilter {
	if gpus <= 0 {
		return hostFilter{}
	}
	var f hostFilter
	if q, ok := requestOrLimit(c, corev1.ResourceCPU); ok && q.Sign() > 0 {
		f.vcpus = int(ceilDiv(q.MilliValue(), 1000*int64(gpus)))
	}
	if q, ok := requestOrLimit(c, corev1.ResourceMemory); ok && q.Sign() > 0 {
		f.ramGB = int(ceilDiv(ceilDiv(q.Value(), 1<<30), int64(gpus)))
	}
	return f
}

// explain is the plan explanation's note on the filters, "" when none.
func (f hostFilter) explain() string {
	var parts []string
	if f.vcpus > 0 {
		unit := "vCPUs"
		if f.vcpus == 1 {
			unit = "vCPU"
		}
		parts = append(parts, fmt.Sprintf("≥ %d %s", f.vcpus, unit))
	}
	if f.ramGB > 0 {
		parts = append(parts, fmt.Sprintf("≥ %d GB RAM", f.ramGB))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; hosts with " + strings.Join(parts, " and ") + " per GPU (from the cpu/memory requests)"
}

func requestOrLimit(c *corev1.Container, name corev1.ResourceName) (resource.Quantity, bool) {
	if q, ok := c.Resources.Requests[name]; ok {
		return q, true
	}
	q, ok := c.Resources.Limits[name]
	return q, ok
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
