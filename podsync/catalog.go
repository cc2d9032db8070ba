package podsync

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// catalogCache reuses a GPU catalog read for a few seconds, so a burst of
// 100 pods costs one catalog call, not 100.
type catalogCache struct {
	rp  RunPod
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[policy.CatalogQuery]catalogEntry
}

type catalogEntry struct {
	at   time.Time
	gpus []runpodapi.GpuType
}

func newCatalogCache(rp RunPod, ttl time.Duration, now func() time.Time) *catalogCache {
	return &catalogCache{rp: rp, ttl: ttl, now: now, entries: map[policy.CatalogQuery]catalogEntry{}}
}

func (c *catalogCache) get(ctx context.Context, q policy.CatalogQuery) ([]runpodapi.GpuType, error) {
	c.mu.Lock()
	e, ok := c.entries[q]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < c.ttl {
		return e.gpus, nil
	}
	gpus, err := c.rp.ListGpuTypes(ctx, runpodapi.GpuTypeQuery{Availability: true, Count: q.GPUCount, Cloud: q.Cloud})
	if err != nil {
		return nil, fmt.Errorf("read the GPU catalog for %d× in %s cloud: %w", q.GPUCount, q.Cloud, err)
	}
	c.mu.Lock()
	c.entries[q] = catalogEntry{at: c.now(), gpus: gpus}
	c.mu.Unlock()
	return gpus, nil
}

// forget drops a cached read: after a capacity refusal the stock it showed is stale.
func (c *catalogCache) forget(q policy.CatalogQuery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, q)
}
