package podsync

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// Under an advertised quota, a pod in transition is read by GET
// /v2/pods/{id} when that is cheaper than a full listing (three pages here).
func TestRunReadsAPodInTransitionByIDWhenAListingCostsMore(t *testing.T) {
	portless := func(name string) *corev1.Pod {
		pod := gpuPod(name, 0, nil)
		pod.Spec.Containers[0].Ports = nil // RUNNING is the end of its transition
		return pod
	}
	steady := []*corev1.Pod{portless("steady-a"), portless("steady-b"), portless("steady-c")}
	r := newRigWith(t, rigConfig{
		settings: func(s *Settings) { s.StatusShare = 0.1 }, // about a request a second
		sim: func(o *simulator.Options) {
			o.PageSize = 1
			o.Quota = simulator.Quota{Minute: 6000, Hour: 100000, Day: 1000000}
			o.ProvisioningDelay = 300 * time.Millisecond
		},
	}, steady...)
	go r.p.Run(r.ctx)
	running := func(name string) func() bool {
		return func() bool {
			st, _ := r.status(name)
			return len(st.ContainerStatuses) == 1 && st.ContainerStatuses[0].Ready
		}
	}
	for _, pod := range steady {
		if err := r.p.CreatePod(r.ctx, pod); err != nil {
			t.Fatal(err)
		}
	}
	for _, pod := range steady {
		waitWithoutRounds(t, pod.Name+" Ready", running(pod.Name))
	}
	byID := r.count(routeGet)
	late := portless("late")
	if _, err := r.kube.CoreV1().Pods("default").Create(r.ctx, late, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitWithoutRounds(t, "the informer to see the late pod", func() bool { _, err := r.podLister.Pods("default").Get("late"); return err == nil })
	if err := r.p.CreatePod(r.ctx, late); err != nil {
		t.Fatal(err)
	}
	waitWithoutRounds(t, "late Ready", running("late"))
	if got := r.count(routeGet) - byID; got < 1 {
		t.Errorf("the pod in transition was read by GET /v2/pods/{id} %d times; want it read by id, not by three-page listings", got)
	}
}

// waitWithoutRounds waits up to 15 s for cond, leaving the reads to Run.
func waitWithoutRounds(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
