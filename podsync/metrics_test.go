package podsync

import (
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

type recordingObserver struct {
	mu       sync.Mutex
	ops      map[string]int
	rounds   int
	byStatus map[string]int
	usd      float64
	waiting  map[string]int
}

func (o *recordingObserver) Count(op string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ops[op]++
}

func (o *recordingObserver) StatusBudget(float64) {}

func (o *recordingObserver) RoundDone(f RoundFigures) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rounds++
	o.byStatus, o.usd, o.waiting = f.ByStatus, f.HourlyUSD, f.Waiting
}

func (o *recordingObserver) snapshot() (map[string]int, map[string]int, float64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ops := map[string]int{}
	for k, v := range o.ops {
		ops[k] = v
	}
	return ops, o.byStatus, o.usd
}

func TestMetricsFollowTheLifecycle(t *testing.T) {
	pod := gpuPod("metered", 1, nil)
	refused := gpuPod("refused", 1, map[string]string{"runpod.io/required-gpu-memory": "lots"})
	r := newRig(t, nil, pod, refused)
	obs := &recordingObserver{ops: map[string]int{}}
	r.p.metrics = obs

	_ = r.p.CreatePod(r.ctx, pod)
	_ = r.p.CreatePod(r.ctx, refused)
	r.eventually("running", func() bool { st, _ := r.status("metered"); return st.Phase == corev1.PodRunning })
	r.p.Round(r.ctx)
	ops, byStatus, usd := obs.snapshot()
	if ops[OpCreate] != 1 || ops[OpRefuse] != 1 || byStatus["RUNNING"] != 1 || usd <= 0 {
		t.Fatalf("ops %v, by status %v, $%.2f/h; want one create, one refusal, one RUNNING pod billing", ops, byStatus, usd)
	}
	obs.mu.Lock()
	waiting := obs.waiting
	obs.mu.Unlock()
	if waiting[ReasonRefused] != 1 || len(waiting) != 1 {
		t.Errorf("waiting %v, want the refused pod alone", waiting)
	}
	if err := r.p.DeletePod(r.ctx, forceDeleted(pod)); err != nil {
		t.Fatal(err)
	}
	r.p.Round(r.ctx)
	ops, byStatus, usd = obs.snapshot()
	if ops[OpDelete] != 1 || byStatus["RUNNING"] != 0 || usd != 0 {
		t.Errorf("after delete: ops %v, by status %v, $%.2f/h", ops, byStatus, usd)
	}
}
