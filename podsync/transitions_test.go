package podsync

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
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

// firstPageHeld stops a listing after its first page (once armed) until
// release is closed, as a walk paced by the rate limit waits for its next window.
type firstPageHeld struct {
	RunPod
	armed   *atomic.Bool
	reached chan []string // the first page's ids
	release chan struct{}
}

func (h firstPageHeld) ListPodsPaged(ctx context.Context, onPage func([]runpodapi.Pod, bool)) (*runpodapi.PodList, error) {
	return h.RunPod.ListPodsPaged(ctx, func(page []runpodapi.Pod, more bool) {
		if onPage != nil {
			onPage(page, more)
		}
		if more && h.armed.CompareAndSwap(true, false) {
			var ids []string
			for _, rp := range page {
				ids = append(ids, rp.ID)
			}
			h.reached <- ids
			<-h.release
		}
	})
}

// What an early page of a long listing shows is decided before the last page
// is read: a pod seen EXITED there ends while the walk waits for its next page.
func TestEarlyPagesAreDecidedBeforeTheListingEnds(t *testing.T) {
	var armed atomic.Bool
	held := firstPageHeld{armed: &armed, reached: make(chan []string, 1), release: make(chan struct{})}
	r := runningRig(t, 2, rigConfig{
		sim:    func(o *simulator.Options) { o.PageSize = 1 },
		runpod: func(rp RunPod) RunPod { held.RunPod = rp; return held },
	})
	nameOf := map[string]string{}
	for _, name := range []string{"p0", "p1"} {
		id := r.kubePod(name).Annotations[AnnotationPodID]
		nameOf[id] = name
		if err := r.sim.SetStatus(id, runpodapi.StatusExited); err != nil {
			t.Fatal(err)
		}
	}
	armed.Store(true)
	done := make(chan struct{})
	go func() { defer close(done); r.p.Round(r.ctx) }()
	first := <-held.reached
	if len(first) != 1 {
		t.Fatalf("first page %v, want one pod", first)
	}
	early := nameOf[first[0]]
	late := "p0"
	if early == "p0" {
		late = "p1"
	}
	deadline := time.Now().Add(5 * time.Second)
	for phaseOf(r, early) != corev1.PodSucceeded && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := phaseOf(r, early); got != corev1.PodSucceeded {
		t.Errorf("%s, on the first page, is %s while the listing waits for its second page; want Succeeded", early, got)
	}
	if got := phaseOf(r, late); got != corev1.PodRunning {
		t.Errorf("%s, on the page not yet read, is %s; want Running", late, got)
	}
	close(held.release)
	<-done
	if got := phaseOf(r, late); got != corev1.PodSucceeded {
		t.Errorf("%s is %s once the listing ended; want Succeeded", late, got)
	}
}

// slowPages makes every page of Run's listings (not a create's name lookup)
// take delay, as a walk paced by the rate gate does, and counts the GETs by
// id sent while such a walk is in progress.
type slowPages struct {
	RunPod
	delay      time.Duration
	walking    atomic.Bool
	getsDuring atomic.Int32
}

func (s *slowPages) ListPodsPaged(ctx context.Context, onPage func([]runpodapi.Pod, bool)) (*runpodapi.PodList, error) {
	if onPage == nil {
		return s.RunPod.ListPodsPaged(ctx, nil)
	}
	s.walking.Store(true)
	defer s.walking.Store(false)
	return s.RunPod.ListPodsPaged(ctx, func(page []runpodapi.Pod, more bool) {
		onPage(page, more)
		if more {
			time.Sleep(s.delay)
		}
	})
}

func (s *slowPages) GetPod(ctx context.Context, id string) (*runpodapi.Pod, error) {
	if s.walking.Load() {
		s.getsDuring.Add(1)
	}
	return s.RunPod.GetPod(ctx, id)
}

// A pod starting while a long listing is walked is read by id between its
// pages, not only once the walk ends.
func TestRunReadsPodsInTransitionBetweenThePagesOfALongWalk(t *testing.T) {
	var steady []*corev1.Pod
	for _, name := range []string{"s0", "s1", "s2", "s3", "s4", "s5"} {
		steady = append(steady, gpuPod(name, 0, nil))
	}
	slow := &slowPages{delay: 100 * time.Millisecond}
	r := newRigWith(t, rigConfig{
		settings: func(s *Settings) { s.StatusShare, s.ReconcileInterval = 0.5, 50*time.Millisecond },
		sim: func(o *simulator.Options) {
			o.PageSize = 1
			o.Quota = simulator.Quota{Minute: 60000, Hour: 1000000, Day: 10000000}
			o.ProvisioningDelay = 2 * time.Second // in transition through several walks
		},
		runpod: func(rp RunPod) RunPod { slow.RunPod = rp; return slow },
	}, steady...)
	go r.p.Run(r.ctx)
	for _, pod := range steady {
		if err := r.p.CreatePod(r.ctx, pod); err != nil {
			t.Fatal(err)
		}
	}
	for _, pod := range steady {
		waitWithoutRounds(t, pod.Name+" Running", func() bool { return phaseOf(r, pod.Name) == corev1.PodRunning })
	}
	late := gpuPod("late", 0, nil)
	if _, err := r.kube.CoreV1().Pods("default").Create(r.ctx, late, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitWithoutRounds(t, "the informer to see the late pod", func() bool { _, err := r.podLister.Pods("default").Get("late"); return err == nil })
	before := slow.getsDuring.Load()
	if err := r.p.CreatePod(r.ctx, late); err != nil {
		t.Fatal(err)
	}
	waitWithoutRounds(t, "late Running", func() bool { return phaseOf(r, "late") == corev1.PodRunning })
	if got := slow.getsDuring.Load() - before; got < 1 {
		t.Errorf("the starting pod was read by id %d times while listings were walked; want it read between their pages", got)
	}
}
