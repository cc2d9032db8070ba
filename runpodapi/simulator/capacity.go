package simulator

import (
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// capKey names one capacity pool: a GPU type (or the CPU flavor) in a data center.
type capKey struct{ resource, dc string }

// capacity is the stock of every pool. It stores each pool's size; what is
// free is the size minus what pods hold at that moment, so a pod that stops
// or exits by itself gives its GPUs back without anyone noticing the moment.
type capacity struct {
	size map[capKey]int
}

func newCapacity(offers []offer) capacity {
	c := capacity{size: make(map[capKey]int, len(offers))}
	for _, o := range offers {
		c.size[capKey{o.resourceID, o.dataCenterID}] = o.free
	}
	return c
}

// offered reports whether the pool exists at all (the DC sells that resource).
func (c capacity) offered(k capKey) bool {
	_, ok := c.size[k]
	return ok
}

// held sums what the pods hold at t, per pool: one pass over the pods.
func held(pods []*pod, t time.Time) map[capKey]int {
	out := make(map[capKey]int)
	for _, p := range pods {
		if p.holdsCompute(t) {
			id, units := p.resource()
			out[capKey{id, p.dc}] += units
		}
	}
	return out
}

// free is what remains of pool k given the held map.
func (c capacity) free(k capKey, held map[capKey]int) int {
	return max(0, c.size[k]-held[k])
}

// setFree makes pool k have n free units now.
func (c capacity) setFree(k capKey, n int, held map[capKey]int) {
	c.size[k] = max(0, n) + held[k]
}

// availabilityLevel maps free units against the requested count:
// fewer than count → NONE, < 2×count → LOW, < 6×count → MEDIUM, else HIGH.
func availabilityLevel(free, count int) runpodapi.AvailabilityLevel {
	count = max(count, 1)
	switch {
	case free < count:
		return runpodapi.AvailabilityNone
	case free < 2*count:
		return runpodapi.AvailabilityLow
	case free < 6*count:
		return runpodapi.AvailabilityMedium
	}
	return runpodapi.AvailabilityHigh
}

// better returns the higher of two levels.
func better(a, b runpodapi.AvailabilityLevel) runpodapi.AvailabilityLevel {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}
