package podsync

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stesting "k8s.io/client-go/testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// steadyRig tracks n RUNNING pods adopted by annotation at term start, and
// runs rounds until one changes nothing: no status pushed, no API write.
func steadyRig(tb testing.TB, n int) *rig {
	tb.Helper()
	r := newRigWith(tb, rigConfig{writeStatus: true})
	r.sim.SetCapacity(simulator.CPUFlavorID, "US-TX-3", 4*n+64)
	ctx := context.Background()
	for i := range n {
		pod := gpuPod(fmt.Sprintf("steady-%04d", i), 0, nil)
		rp := r.seedFor(pod, testCluster, testNode)
		if _, err := r.kube.CoreV1().Pods("default").Create(ctx, withPodID(pod, rp.ID), metav1.CreateOptions{}); err != nil {
			tb.Fatal(err)
		}
	}
	deadline := time.Now().Add(time.Minute) // the fake API server's field manager is slow under -race
	for {
		listed, _ := r.podLister.List(everything)
		running := 0
		for _, p := range r.sim.Pods() {
			if p.Status == runpodapi.StatusRunning {
				running++
			}
		}
		if len(listed) == n && running == n {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatalf("setup: informer has %d pods, RunPod %d running; want %d", len(listed), running, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.p.Rebuild(r.ctx); err != nil {
		tb.Fatal(err)
	}
	for {
		pushes, writes := r.pushCount(), kubeWrites(r)
		r.p.Round(r.ctx)
		if r.pushCount() == pushes && kubeWrites(r) == writes {
			return r
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no steady round after a minute (%d pushes, %d API writes in the last)", r.pushCount()-pushes, kubeWrites(r)-writes)
		}
		time.Sleep(20 * time.Millisecond) // let the informer see the last round's writes
	}
}

// kubeWrites counts create, update and patch calls the fake API server received.
func kubeWrites(r *rig) int {
	n := 0
	for _, a := range r.kube.Actions() {
		switch a.(type) {
		case k8stesting.PatchAction, k8stesting.UpdateAction, k8stesting.CreateAction:
			n++
		}
	}
	return n
}

// TestSteadyRoundMakesOneRunPodListing: one round is one walk of GET
// /v2/pods, ⌈N / page size⌉ requests, and nothing else.
func TestSteadyRoundMakesOneRunPodListing(t *testing.T) {
	for _, n := range []int{1, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			if n == 1000 && testing.Short() {
				t.Skip("1,000 pods in -short mode")
			}
			r := steadyRig(t, n)
			r.sim.ResetCounters()
			pushes, writes, actions := r.pushCount(), kubeWrites(r), len(r.kube.Actions())
			r.p.Round(r.ctx)
			got := r.sim.Counters()
			pages := int64((n + simulator.DefaultPageSize - 1) / simulator.DefaultPageSize)
			if want := map[string]int64{routeList: pages}; !maps.Equal(got, want) {
				t.Errorf("one steady round with %d pods called RunPod %v, want %v", n, got, want)
			}
			if d := len(r.kube.Actions()) - actions; d != 0 || kubeWrites(r) != writes || r.pushCount() != pushes {
				t.Errorf("one steady round with %d pods made %d Kubernetes calls and pushed %d statuses, want none",
					n, d, r.pushCount()-pushes)
			}
			t.Logf("%d pods: one round = %v RunPod request(s), %d Kubernetes calls", n, got, len(r.kube.Actions())-actions)
		})
	}
}

// BenchmarkRound1000 is one reconcile round over 1,000 steady pods: one
// listing (10 pages of GET /v2/pods) against the in-process simulator, the
// tracker pass and GC.
func BenchmarkRound1000(b *testing.B) {
	r := steadyRig(b, 1000)
	r.sim.ResetCounters()
	b.ReportAllocs()
	rounds := 0
	for b.Loop() {
		r.p.Round(r.ctx)
		rounds++
	}
	b.StopTimer()
	pages := int64(1000 / simulator.DefaultPageSize)
	if got := r.count(routeList); got != pages*int64(rounds) || len(r.sim.Counters()) != 1 {
		b.Fatalf("%d rounds made %v RunPod calls, want %d list pages only", rounds, r.sim.Counters(), pages*int64(rounds))
	}
	b.ReportMetric(float64(r.count(routeList))/float64(rounds), "runpod-calls/round")
}

func TestRunLoopFollowsTheProviderClock(t *testing.T) {
	pod := gpuPod("looped", 0, nil)
	r := newRig(t, nil, pod)
	r.advance(time.Hour) // an injected clock far from the wall clock must not stall the loop
	ctx, cancel := context.WithCancel(r.ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		r.p.Run(ctx)
	}()
	_ = r.p.CreatePod(r.ctx, pod)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if st, _ := r.status(pod.Name); st.Phase == corev1.PodRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run never brought the pod to Running")
		}
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when its term ended")
	}
}

func TestCreateRetriesAtOnceWhenRunPodRecovers(t *testing.T) {
	pod := gpuPod("after-outage", 1, nil)
	r := newRig(t, func(s *Settings) { s.RetryBackoff = time.Hour }, pod)
	r.sim.SetFaults(simulator.Faults{OutageUntil: time.Now().Add(time.Hour)})
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("the create to wait on the outage", func() bool {
		st, _ := r.status("after-outage")
		return len(st.ContainerStatuses) > 0 && st.ContainerStatuses[0].State.Waiting != nil &&
			st.ContainerStatuses[0].State.Waiting.Reason == ReasonCreateErr
	})
	r.p.Round(r.ctx) // a failed list: the outage is seen
	r.sim.SetFaults(simulator.Faults{})
	r.eventually("the pod placed without waiting out its hour-long back-off", func() bool {
		return len(r.sim.Pods()) == 1
	})
}
