package podsync

import (
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// The simulator's RTX 4090 costs $0.69/h in SECURE cloud: a $1/h cap fits one.
const (
	rtx4090      = "NVIDIA GeForce RTX 4090"
	rtx4090Price = 0.69
)

func pinned4090(name string) *corev1.Pod {
	return gpuPod(name, 1, map[string]string{"runpod.io/gpu-type-ids": rtx4090})
}

func spendCap(s *Settings) { s.MaxHourlySpend = 1.0 }

func TestSpendCapHoldsTheSecondPodUntilTheFirstEnds(t *testing.T) {
	first, second := pinned4090("first"), pinned4090("second")
	r := newRig(t, spendCap, first, second)
	_ = r.p.CreatePod(r.ctx, first)
	r.eventually("first running", func() bool { st, _ := r.status("first"); return st.Phase == corev1.PodRunning })
	if c := r.sim.Pods()[0].Cost; c != rtx4090Price {
		t.Fatalf("the 4090 costs $%.2f/h in the simulator; this test assumes $%.2f", c, rtx4090Price)
	}

	_ = r.p.CreatePod(r.ctx, second)
	r.eventually("second held back", func() bool { return r.waitingReason("second") == ReasonSpendCap })
	r.rounds(3)
	st, _ := r.status("second")
	if st.Phase != corev1.PodPending || st.Reason != ReasonSpendCap {
		t.Errorf("second: phase %s reason %q, want Pending %s", st.Phase, st.Reason, ReasonSpendCap)
	}
	if !r.sawEvent(EventSpendCap, "MAX_HOURLY_SPEND") {
		t.Errorf("no %s event", EventSpendCap)
	}
	if n := r.count(routeCreate); n != 1 {
		t.Fatalf("%d POSTs while the cap is reached, want 1", n)
	}

	if err := r.p.DeletePod(r.ctx, first); err != nil {
		t.Fatal(err)
	}
	r.deleteKubePod("first")
	r.eventually("second running", func() bool { st, _ := r.status("second"); return st.Phase == corev1.PodRunning })
	if n, pods := r.count(routeCreate), len(r.sim.Pods()); n != 2 || pods != 1 {
		t.Errorf("%d POSTs and %d RunPod pods, want 2 and 1", n, pods)
	}
}

func TestParallelCreatesCannotOvershootTheCap(t *testing.T) {
	tests := []struct {
		name string
		pod  func(name string) *corev1.Pod
		cap  float64 // fits one pod
	}{
		{"GPU pods at $0.69/h", pinned4090, 1.0},
		// Priced from GET /v2/catalog/cpus: 2 vCPUs × $0.03 (simulator's cpu3c).
		{"CPU pods at $0.06/h", func(name string) *corev1.Pod { return gpuPod(name, 0, nil) }, 0.10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pods := make([]*corev1.Pod, 4)
			for i := range pods {
				pods[i] = tt.pod(fmt.Sprintf("parallel-%d", i))
			}
			r := newRig(t, func(s *Settings) { s.MaxHourlySpend = tt.cap }, pods...)
			// Slow answers keep every create in flight at once: only reservations can keep them apart.
			r.sim.SetFaults(simulator.Faults{Latency: 50 * time.Millisecond})
			var wg sync.WaitGroup
			for _, p := range pods {
				wg.Go(func() { _ = r.p.CreatePod(r.ctx, p) })
			}
			wg.Wait()
			r.eventually("one created, the rest held back by the cap", func() bool {
				held, running := 0, 0
				for _, p := range pods {
					st, _ := r.status(p.Name)
					switch {
					case st.Phase == corev1.PodRunning:
						running++
					case r.waitingReason(p.Name) == ReasonSpendCap:
						held++
					}
				}
				return running == 1 && held == len(pods)-1
			})
			r.sim.SetFaults(simulator.Faults{})
			r.rounds(5)
			if n, live := r.count(routeCreate), len(r.sim.Pods()); n != 1 || live != 1 {
				t.Fatalf("%d POSTs and %d RunPod pods under a cap that fits one, want 1 and 1", n, live)
			}
			if spend, _ := r.p.currentSpend(""); spend > tt.cap {
				t.Errorf("spend $%.2f/h over the $%.2f/h cap", spend, tt.cap)
			}
		})
	}
}

func TestSpendCountsPodsAdoptedWhileRunPodWasDown(t *testing.T) {
	first, second := pinned4090("before"), pinned4090("after")
	r := newRig(t, spendCap, first, second)
	_ = r.p.CreatePod(r.ctx, first)
	r.eventually("the cost recorded", func() bool { return r.kubePod("before").Annotations[AnnotationCostPerHr] != "" })

	// New term while RunPod is down: the first pod is adopted by annotation
	// only, and the annotation is all that says what it costs.
	r.sim.SetFaults(simulator.Faults{OutageUntil: time.Now().Add(time.Hour)})
	r.newTerm()
	if err := r.p.Rebuild(r.ctx); err != nil {
		t.Fatal(err)
	}
	r.sim.SetFaults(simulator.Faults{})
	_ = r.p.CreatePod(r.ctx, second) // no Round yet: nothing has listed the first pod this term
	for deadline := time.Now().Add(5 * time.Second); r.waitingReason("after") != ReasonSpendCap; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) || r.count(routeCreate) > 1 {
			t.Fatalf("second pod not held by the cap (waiting %q, %d POSTs)", r.waitingReason("after"), r.count(routeCreate))
		}
	}
}

// A pod waiting out its restart back-off keeps the room it billed under the
// cap: a new pod cannot take it, and the restart itself passes the cap.
func TestRestartKeepsItsRoomUnderTheCap(t *testing.T) {
	looping := pinned4090("looping")
	looping.Spec.RestartPolicy = corev1.RestartPolicyAlways
	newcomer := pinned4090("newcomer")
	r := newRig(t, spendCap, looping, newcomer)
	_ = r.p.CreatePod(r.ctx, looping)
	r.eventually("looping running", func() bool { return phaseOf(r, "looping") == corev1.PodRunning })
	id := r.sim.Pods()[0].ID
	exitAndWait := func(restarts int32) {
		t.Helper()
		if err := r.sim.SetStatus(id, runpodapi.StatusExited); err != nil {
			t.Fatal(err)
		}
		r.eventually(fmt.Sprintf("restart %d", restarts), func() bool {
			st, _ := r.status("looping")
			return st.ContainerStatuses[0].RestartCount == restarts && st.ContainerStatuses[0].State.Running != nil
		})
	}
	exitAndWait(1)
	if err := r.sim.SetStatus(id, runpodapi.StatusExited); err != nil { // back-off 10 s now
		t.Fatal(err)
	}
	r.rounds(2)
	_ = r.p.CreatePod(r.ctx, newcomer)
	r.eventually("newcomer held by the cap", func() bool { return r.waitingReason("newcomer") == ReasonSpendCap })
	if n := r.count(routeCreate); n != 1 {
		t.Fatalf("%d creates while the stopped pod keeps its room, want 1", n)
	}
	r.advance(11 * time.Second)
	r.eventually("the second restart", func() bool {
		st, _ := r.status("looping")
		return st.ContainerStatuses[0].RestartCount == 2 && st.ContainerStatuses[0].State.Running != nil
	})
	if got := r.waitingReason("newcomer"); got != ReasonSpendCap || r.count(routeCreate) != 1 {
		t.Errorf("newcomer %q with %d creates after the restart, want still held", got, r.count(routeCreate))
	}
}
