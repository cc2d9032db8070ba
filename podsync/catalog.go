package podsync

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"k8s.io/utils/clock"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// catalogCache reuses a catalog read (GPUs for a count and cloud, or CPUs)
// for a few seconds, so a burst of 100 pods costs one catalog call, not 100;
// creates that find it stale at once share one read (under a tight quota
// they all wake at a window's reset).
type catalogCache struct {
	rp     RunPod
	ttl    time.Duration
	clock  clock.PassiveClock
	flight singleflight.Group

	mu      sync.Mutex
	entries map[policy.CatalogQuery]catalogEntry
}

type catalogEntry struct {
	at   time.Time
	gpus []runpodapi.GpuType
	cpus []runpodapi.CpuType
}

func newCatalogCache(rp RunPod, ttl time.Duration, clk clock.PassiveClock) *catalogCache {
	return &catalogCache{rp: rp, ttl: ttl, clock: clk, entries: map[policy.CatalogQuery]catalogEntry{}}
}

// get returns the catalog q asks for: the GPU catalog with stock for q's
// count and cloud, or the CPU catalog (prices and vCPU ranges).
func (c *catalogCache) get(ctx context.Context, q policy.CatalogQuery) ([]runpodapi.GpuType, []runpodapi.CpuType, error) {
	c.mu.Lock()
	e, ok := c.entries[q]
	c.mu.Unlock()
	if !ok || c.clock.Since(e.at) >= c.ttl {
		v, err, _ := c.flight.Do(fmt.Sprint(q), func() (any, error) {
			e, err := c.read(ctx, q)
			if err != nil {
				return nil, err
			}
			c.mu.Lock()
			c.entries[q] = e
			c.mu.Unlock()
			return e, nil
		})
		if err != nil {
			return nil, nil, err
		}
		e = v.(catalogEntry)
	}
	return e.gpus, e.cpus, nil
}

func (c *catalogCache) read(ctx context.Context, q policy.CatalogQuery) (catalogEntry, error) {
	e := catalogEntry{at: c.clock.Now()}
	var err error
	if q.CPU {
		if e.cpus, err = c.rp.ListCpuTypes(ctx, runpodapi.CpuTypeQuery{}); err != nil {
			return e, fmt.Errorf("read the CPU catalog: %w", err)
		}
		return e, nil
	}
	if e.gpus, err = c.rp.ListGpuTypes(ctx, runpodapi.GpuTypeQuery{Availability: true, Count: q.GPUCount, Cloud: q.Cloud}); err != nil {
		return e, fmt.Errorf("read the GPU catalog for %d× in %s cloud: %w", q.GPUCount, q.Cloud, err)
	}
	return e, nil
}

// forget drops a cached read: after a capacity refusal the stock it showed is stale.
func (c *catalogCache) forget(q policy.CatalogQuery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, q)
}
