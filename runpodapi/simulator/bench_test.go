package simulator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// seedMany makes n running pods spread over every data center and GPU type.
func seedMany(tb testing.TB, sim *Simulator, clock *fakeClock, n int) {
	tb.Helper()
	cat := builtinCatalog()
	for _, g := range cat.gpus {
		for _, dc := range cat.dcs {
			sim.SetCapacity(g.ID, dc.ID, n)
		}
	}
	real := slices.DeleteFunc(slices.Clone(cat.gpus), func(g runpodapi.GpuType) bool { return g.Memory == 0 }) // not the "unknown" placeholder
	for i := range n {
		req := gpuRequest(fmt.Sprintf("rk-default-pod-%04d", i), real[i%len(real)].ID, 1)
		req.Ports = []string{"8888/http", "22/tcp"}
		req.Env = map[string]string{"RUNPOD_KUBELET_POD": fmt.Sprintf("default/pod-%d", i)}
		mustSeed(tb, sim, req)
	}
	clock.Step(time.Minute)
}

func BenchmarkListPods1000(b *testing.B) {
	sim, clock := newTestSim(b, nil)
	seedMany(b, sim, clock, 1000)
	req := httptest.NewRequest(http.MethodGet, "/v2/pods", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// TestListPods1000IsFast keeps GET /v2/pods with 1,000 pods well under 10ms
// (a loose bound here: the race detector slows it several times).
func TestListPods1000IsFast(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	seedMany(t, sim, clock, 1000)
	best := time.Hour
	for range 5 {
		start := time.Now()
		rec := call(t, sim, http.MethodGet, "/v2/pods", nil)
		best = min(best, time.Since(start))
		wantStatus(t, rec, 200)
	}
	if best > 100*time.Millisecond {
		t.Fatalf("GET /v2/pods with 1,000 pods took %v", best)
	}
	t.Logf("GET /v2/pods with 1,000 pods: %v", best)
}
