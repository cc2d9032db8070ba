package podsync

import (
	"context"
	"fmt"
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
func waitWithoutRounds(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// firstPageHeld stops a round's listing (not a create's name lookup) after
// its first page, once armed, until release is closed, as a walk paced by the
// rate limit waits for its next window.
type firstPageHeld struct {
	RunPod
	armed   *atomic.Bool
	reached chan []string // the first page's ids
	release chan struct{}
}

func (h firstPageHeld) ListPodsPaged(ctx context.Context, onPage func([]runpodapi.Pod, bool)) (*runpodapi.PodList, error) {
	if onPage == nil {
		return h.RunPod.ListPodsPaged(ctx, nil)
	}
	return h.RunPod.ListPodsPaged(ctx, func(page []runpodapi.Pod, more bool) {
		onPage(page, more)
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
	slow := &slowPages{delay: 100 * time.Millisecond}
	r := walkingRig(t, 6, 2*time.Second, func(rp RunPod) RunPod { slow.RunPod = rp; return slow }) // in transition through several walks
	before := slow.getsDuring.Load()
	r.startLate()
	waitWithoutRounds(t, "late Running", func() bool { return phaseOf(r, "late") == corev1.PodRunning })
	if got := slow.getsDuring.Load() - before; got < 1 {
		t.Errorf("the starting pod was read by id %d times while listings were walked; want it read between their pages", got)
	}
}

// A pod starting while Run's walk waits for its next page (the rate gate
// holds it for a new window) is read by id meanwhile, and is Running before
// the walk goes on.
func TestRunReadsPodsInTransitionWhileAWalkWaitsForAPage(t *testing.T) {
	var armed atomic.Bool
	held := firstPageHeld{armed: &armed, reached: make(chan []string, 1), release: make(chan struct{})}
	r := walkingRig(t, 2, time.Second, func(rp RunPod) RunPod { held.RunPod = rp; return held })
	r.startLate()
	waitWithoutRounds(t, "late created", func() bool {
		var id string
		r.p.tr.get("default/late", func(tr *tracked) { id = tr.runpodID })
		return id != ""
	})
	armed.Store(true)
	select {
	case <-held.reached:
	case <-time.After(15 * time.Second):
		t.Fatal("no walk reached its second page")
	}
	defer close(held.release)
	deadline := time.Now().Add(10 * time.Second)
	for phaseOf(r, "late") != corev1.PodRunning && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := phaseOf(r, "late"); got != corev1.PodRunning {
		t.Errorf("late is %s while the walk waits for its next page; want Running, read by id meanwhile", got)
	}
}

// An older read never undoes a newer one: a walk that began before a
// targeted read still shows the pod as it was then.
func TestAnOlderReadDoesNotUndoANewerOne(t *testing.T) {
	r := runningRig(t, 1, rigConfig{})
	id := r.sim.Pods()[0].ID
	var seen *runpodapi.Pod
	r.p.tr.get("default/p0", func(tr *tracked) { seen = copyPod(tr.runpod) })
	if seen == nil || seen.Status != runpodapi.StatusRunning || seen.ID != id {
		t.Fatalf("tracked RunPod pod %+v, want %s RUNNING", seen, id)
	}
	newer := r.p.now().Add(time.Second)
	r.advance(2 * time.Second)
	r.p.decideSeen(r.ctx, partialListing(newer, "a targeted read", seen))
	old := copyPod(seen)
	old.Status = runpodapi.StatusExited
	r.p.decideSeen(r.ctx, partialListing(newer.Add(-500*time.Millisecond), "a walk that began earlier", old))
	var now runpodapi.PodStatus
	r.p.tr.get("default/p0", func(tr *tracked) { now = tr.runpod.Status })
	if now != runpodapi.StatusRunning {
		t.Errorf("after an older listing showed it EXITED the tracked pod is %s; want RUNNING, as the newer read showed", now)
	}
	if got := phaseOf(r, "p0"); got != corev1.PodRunning {
		t.Errorf("p0 is %s; want Running", got)
	}
}

// walkingRig runs Run over n Running pods s0…, listed one a page at a
// raised advertised quota, with provisioning taking provisioning and the
// RunPod client wrapped by wrap.
func walkingRig(t *testing.T, n int, provisioning time.Duration, wrap func(RunPod) RunPod) *rig {
	t.Helper()
	var steady []*corev1.Pod
	for i := range n {
		steady = append(steady, gpuPod(fmt.Sprintf("s%d", i), 0, nil))
	}
	r := newRigWith(t, rigConfig{
		settings: func(s *Settings) { s.StatusShare, s.ReconcileInterval = 0.5, 50*time.Millisecond },
		sim: func(o *simulator.Options) {
			o.PageSize = 1
			o.Quota = simulator.Quota{Minute: 60000, Hour: 1000000, Day: 10000000}
			o.ProvisioningDelay = provisioning
		},
		runpod: wrap,
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
	return r
}

// startLate creates the pod "late" in Kubernetes and on the node.
func (r *rig) startLate() {
	r.t.Helper()
	late := gpuPod("late", 0, nil)
	if _, err := r.kube.CoreV1().Pods("default").Create(r.ctx, late, metav1.CreateOptions{}); err != nil {
		r.t.Fatal(err)
	}
	waitWithoutRounds(r.t, "the informer to see the late pod", func() bool { _, err := r.podLister.Pods("default").Get("late"); return err == nil })
	if err := r.p.CreatePod(r.ctx, late); err != nil {
		r.t.Fatal(err)
	}
}

// Once the term has seen how long RunPod takes to start a pod, a new pod is
// not read every FastInterval from its create: its first read waits for the
// shortest start seen, less FastInterval (provisioning.go).
func TestAPodJustCreatedIsReadWhenItMayBeRunning(t *testing.T) {
	const provisioningDelay = 600 * time.Millisecond
	portless := func(name string) *corev1.Pod {
		pod := gpuPod(name, 0, nil)
		pod.Spec.Containers[0].Ports = nil // RUNNING is the end of its transition
		return pod
	}
	steady := []*corev1.Pod{portless("steady-a"), portless("steady-b"), portless("steady-c")}
	r := newRigWith(t, rigConfig{
		settings: func(s *Settings) { s.StatusShare = 0.5 }, // hundreds a second: FastInterval spaces the reads
		sim: func(o *simulator.Options) {
			o.PageSize = 1
			o.Quota = simulator.Quota{Minute: 60000, Hour: 1000000, Day: 10000000}
			o.ProvisioningDelay = provisioningDelay
		},
	}, steady...)
	go r.p.Run(r.ctx)
	ready := func(name string) func() bool {
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
		waitWithoutRounds(t, pod.Name+" Ready", ready(pod.Name))
	}
	if got := r.p.starts.shortest(); got < provisioningDelay {
		t.Fatalf("shortest start learned %v, want at least the simulator's %v", got, provisioningDelay)
	}
	reads := r.count(routeGet) + r.count(routeList)
	late := portless("late")
	if _, err := r.kube.CoreV1().Pods("default").Create(r.ctx, late, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitWithoutRounds(t, "the informer to see the late pod", func() bool { _, err := r.podLister.Pods("default").Get("late"); return err == nil })
	if err := r.p.CreatePod(r.ctx, late); err != nil {
		t.Fatal(err)
	}
	waitWithoutRounds(t, "late Ready", ready("late"))
	// Read every FastInterval (10 ms) from its create it would take about 60.
	if got := r.count(routeGet) + r.count(routeList) - reads; got > 10 {
		t.Errorf("the late pod's start took %d status reads; want a few, from when it may be running", got)
	}
}
