package policy

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
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
