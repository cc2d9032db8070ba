package podsync

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// slowCatalog answers the CPU catalog after a pause, counting reads.
type slowCatalog struct {
	RunPod
	reads atomic.Int32
}

func (s *slowCatalog) ListCpuTypes(context.Context, runpodapi.CpuTypeQuery) ([]runpodapi.CpuType, error) {
	s.reads.Add(1)
	time.Sleep(50 * time.Millisecond)
	return []runpodapi.CpuType{{ID: "cpu3c"}}, nil
}

func TestCatalogCacheSharesOneReadAmongCreatesThatFindItStale(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Now())
	rp := &slowCatalog{}
	c := newCatalogCache(rp, 10*time.Second, clk)
	q := policy.CatalogQuery{CPU: true}
	read := func() {
		var wg sync.WaitGroup
		for range 8 { // the create workers, woken together at a window's reset
			wg.Go(func() {
				if _, cpus, err := c.get(context.Background(), q); err != nil || len(cpus) != 1 {
					t.Errorf("get = %v, %v", cpus, err)
				}
			})
		}
		wg.Wait()
	}
	read()
	if got := rp.reads.Load(); got != 1 {
		t.Fatalf("8 concurrent creates read the catalog %d times, want 1", got)
	}
	clk.SetTime(clk.Now().Add(11 * time.Second))
	read()
	if got := rp.reads.Load(); got != 2 {
		t.Errorf("after the TTL: %d reads in all, want 2", got)
	}
}
