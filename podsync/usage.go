package podsync

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Usage figures come from the listing every round already makes: RunPod
// reports runtime.cpu.util, runtime.memory.util and runtime.gpus[] for each
// running pod, so /stats/summary, /metrics/resource and the GPU gauges cost
// no RunPod call. CPU time is integrated from one listing to the next (a
// cumulative counter, as metrics-server expects); it starts again with a
// new term, which a counter reset tells consumers.

// PodUsage is one running RunPod pod's live figures as of a listing.
type PodUsage struct {
	Namespace, Name, Container string
	UID                        types.UID
	RunPodID                   string
	StartedAt                  time.Time
	At                         time.Time // the listing the figures come from
	CPUNanoCores               uint64    // cpu.util × the pod's vCPUs
	CPUSeconds                 float64   // cumulative CPU time since this term first saw it run
	MemoryBytes                uint64    // working set: memory.util × the pod's memory
	GPUType                    string
	GPUs                       []GPUUsage
}

// GPUUsage is one GPU's utilisation, 0 to 1.
type GPUUsage struct{ Util, MemoryUtil float64 }

// usageMeter keeps the cumulative CPU time per RunPod pod and the latest
// figures; it is a cache that a new term starts empty.
type usageMeter struct {
	mu     sync.Mutex
	cpu    map[string]cpuCounter // RunPod id → counter
	latest []PodUsage
}

type cpuCounter struct {
	seconds float64
	at      time.Time
	cores   float64 // the rate measured at at
}

func newUsageMeter() *usageMeter { return &usageMeter{cpu: map[string]cpuCounter{}} }

// podRef is the Kubernetes pod a tracked RunPod pod runs.
type podRef struct {
	namespace, name, container string
	uid                        types.UID
}

// observe turns a listing into figures for the pods refs names.
func (u *usageMeter) observe(l *listing, refs map[string]podRef) []PodUsage {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []PodUsage
	seen := map[string]bool{}
	for id, ref := range refs {
		rp := l.byID[id]
		if rp == nil || rp.Status != runpodapi.StatusRunning || rp.Runtime == nil {
			continue
		}
		seen[id] = true
		vcpus, memGB := podShape(rp)
		pu := PodUsage{Namespace: ref.namespace, Name: ref.name, Container: ref.container, UID: ref.uid,
			RunPodID: id, At: l.at}
		if rp.StartedAt != nil {
			pu.StartedAt = *rp.StartedAt
		}
		cores := 0.0
		if rt := rp.Runtime; rt.Cpu != nil {
			cores = float64(rt.Cpu.Util) / 100 * float64(vcpus)
		}
		if rt := rp.Runtime; rt.Memory != nil {
			pu.MemoryBytes = uint64(float64(rt.Memory.Util) / 100 * float64(memGB) * (1 << 30))
		}
		pu.CPUNanoCores = uint64(cores * 1e9)
		c := u.cpu[id]
		if !c.at.IsZero() && l.at.After(c.at) {
			c.seconds += (c.cores + cores) / 2 * l.at.Sub(c.at).Seconds() // trapezoid between listings
		}
		c.at, c.cores = l.at, cores
		u.cpu[id] = c
		pu.CPUSeconds = c.seconds
		if rp.Gpu != nil {
			pu.GPUType = rp.Gpu.ID
		}
		for _, g := range rp.Runtime.Gpus {
			pu.GPUs = append(pu.GPUs, GPUUsage{Util: float64(g.Util) / 100, MemoryUtil: float64(g.MemoryUtil) / 100})
		}
		out = append(out, pu)
	}
	for id := range u.cpu {
		if !seen[id] {
			delete(u.cpu, id) // stopped or gone: a new run counts from 0, as a new container does
		}
	}
	u.latest = out
	return out
}

// snapshot is the latest figures.
func (u *usageMeter) snapshot() []PodUsage {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]PodUsage(nil), u.latest...)
}

// podShape is a RunPod pod's vCPUs and GB of memory: the CPU block, else the
// GPU block's allocated host totals.
func podShape(rp *runpodapi.Pod) (vcpus, memGB int) {
	if rp.Cpu != nil {
		return rp.Cpu.VcpuCount, rp.Cpu.Memory
	}
	if rp.Gpu != nil {
		return rp.Gpu.VcpuCount, rp.Gpu.Memory
	}
	return 0, 0
}
