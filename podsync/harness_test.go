package podsync

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	corev1listers "k8s.io/client-go/listers/core/v1"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

const (
	testCluster = "c0ffee00-1111-2222-3333-444455556666"
	testNode    = "virtual-runpod"
)

// rig is a Provider wired to the RunPod simulator and a fake clientset with
// a real informer, with every notification and health report captured.
type rig struct {
	t        testing.TB
	cfg      rigConfig
	settings Settings
	sim      *simulator.Server
	client   *runpodapi.Client
	kube     *fake.Clientset
	recorder *record.FakeRecorder
	health   *fakeHealth
	p        *Provider
	ctx      context.Context // the current leadership term
	cancel   context.CancelFunc

	podLister corev1listers.PodLister
	svcLister corev1listers.ServiceLister
	cmLister  corev1listers.ConfigMapLister
	secLister corev1listers.SecretLister

	probe       atomic.Pointer[Provider] // whose tracker lock every outside call checks
	failPatches atomic.Bool              // the fake API server refuses pod patches
	loseCreates atomic.Int32             // POST /v2/pods answers to drop after the pod is made
	slowCreates atomic.Int64             // delay of POST /v2/pods answers after the pod is made
	failLists   atomic.Bool              // GET /v2/pods fails on the way

	mu       sync.Mutex
	statuses map[string]corev1.PodStatus
	terminal map[string]corev1.PodPhase // the first terminal phase pushed per pod: Kubernetes keeps that one
	pushes   int                        // statuses pushed through the notifier
	lockHeld []string                   // outside calls made with the tracker lock held
	clock    time.Duration              // how far advance moved the provider's clock ahead of the wall clock
	clk      *clocktesting.FakeClock
	handover Handover // how the next term won its Lease
}

// rigConfig adjusts a rig beyond the provider's Settings.
type rigConfig struct {
	settings func(*Settings)
	sim      func(*simulator.Options)
	runpod   func(RunPod) RunPod                             // wraps what the provider sees of RunPod
	kube     func(kubernetes.Interface) kubernetes.Interface // wraps what it sees of the API server
	// writeStatus makes the notifier store pushed statuses in the fake API
	// server, as virtual-kubelet's pod controller does, so rounds reach a steady state.
	writeStatus bool
}

type fakeHealth struct {
	mu      sync.Mutex
	errs    []error
	spend   float64
	nspend  int
	listing []string // "trusted reason" of every listing report
}

func (h *fakeHealth) ReportListing(trusted bool, reason, _ string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.listing = append(h.listing, fmt.Sprint(trusted, " ", reason))
}

func (h *fakeHealth) listings() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.listing)
}

func (h *fakeHealth) ObserveRunPod(err error, _ time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.errs = append(h.errs, err)
}

func (h *fakeHealth) ReportSpend(usd float64, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.spend, h.nspend = usd, n
}

func (h *fakeHealth) last() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.errs) == 0 {
		return nil
	}
	return h.errs[len(h.errs)-1]
}

func newRig(t testing.TB, mod func(*Settings), pods ...*corev1.Pod) *rig {
	t.Helper()
	return newRigWith(t, rigConfig{settings: mod}, pods...)
}

func newRigWith(t testing.TB, cfg rigConfig, pods ...*corev1.Pod) *rig {
	t.Helper()
	opts := simulator.DefaultOptions("podsync-test-key")
	opts.ProvisioningDelay, opts.StartingDelay, opts.LogInterval = 10*time.Millisecond, 10*time.Millisecond, 20*time.Millisecond
	opts.Quota = simulator.Quota{}
	if cfg.sim != nil {
		cfg.sim(&opts)
	}
	sim := simulator.NewServer(opts)
	t.Cleanup(sim.Close)
	r := &rig{t: t, cfg: cfg, sim: sim, recorder: record.NewFakeRecorder(100000), health: &fakeHealth{},
		statuses: map[string]corev1.PodStatus{}, terminal: map[string]corev1.PodPhase{}}
	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections)
	client, err := runpodapi.New(runpodapi.Config{BaseURL: sim.URL, APIKey: "podsync-test-key", DefaultPerMinute: -1,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, LogIdleGap: 200 * time.Millisecond,
		HTTPClient: &http.Client{Transport: &lossyTransport{base: base, r: r}}})
	if err != nil {
		t.Fatal(err)
	}
	r.client = client
	objs := make([]runtime.Object, 0, len(pods))
	for _, p := range pods {
		objs = append(objs, p)
	}
	r.kube = fake.NewClientset(objs...)
	r.kube.PrependReactor("*", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r.probeUnlocked("Kubernetes " + a.GetVerb() + " " + a.GetResource().Resource)
		return false, nil, nil
	})
	r.kube.PrependReactor("patch", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		if r.failPatches.Load() {
			return true, nil, errors.New("injected: the API server refuses the patch")
		}
		return false, nil, nil
	})
	life, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	factory := informers.NewSharedInformerFactory(r.kube, 0)
	podInf, svcInf := factory.Core().V1().Pods(), factory.Core().V1().Services()
	r.podLister, r.svcLister = podInf.Lister(), svcInf.Lister()
	r.cmLister, r.secLister = factory.Core().V1().ConfigMaps().Lister(), factory.Core().V1().Secrets().Lister()
	factory.Start(life.Done())
	factory.WaitForCacheSync(life.Done())

	t.Cleanup(func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.lockHeld) > 0 {
			t.Errorf("the tracker lock was held while calling %v", r.lockHeld)
		}
	})
	r.settings = Settings{NodeSettings: policy.NodeSettings{ClusterID: testCluster, NodeName: testNode, MaxGPUPrice: 3},
		NodeIP: "10.1.2.3", ReconcileInterval: time.Hour, FastInterval: 10 * time.Millisecond, RetryBackoff: 20 * time.Millisecond}
	r.clk = followingClock(t)
	if cfg.settings != nil {
		cfg.settings(&r.settings)
	}
	r.newTerm()
	return r
}

// newTerm ends the current leadership term, if any (as a crash or a lost
// lease would), and starts a new Provider over the same RunPod and API server.
// Call Rebuild on it, as a new leader does.
func (r *rig) newTerm() *Provider {
	if r.cancel != nil {
		r.cancel()
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.t.Cleanup(r.cancel)
	var rp RunPod = r.client
	if r.cfg.runpod != nil {
		rp = r.cfg.runpod(rp)
	}
	var kube kubernetes.Interface = r.kube
	if r.cfg.kube != nil {
		kube = r.cfg.kube(kube)
	}
	r.p = New(Deps{Settings: r.settings, RunPod: rp, Kube: kube, Recorder: probingRecorder{r.recorder, r}, Health: r.health,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Handover: r.handover, Clock: r.clk})
	r.probe.Store(r.p)
	r.p.Attach(r.listers(r.podLister))
	r.p.NotifyPods(r.ctx, r.notified)
	r.p.Start(r.ctx)
	return r.p
}

// followingClock is a fake clock that keeps up with the wall clock (the
// simulator runs on real time) and that advance moves ahead at once, firing
// every timer and queued retry it passes.
func followingClock(t testing.TB) *clocktesting.FakeClock {
	clk := clocktesting.NewFakeClock(time.Now())
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		last := time.Now()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-tick.C:
				clk.Step(now.Sub(last))
				last = now
			}
		}
	}()
	return clk
}

// notified is the notifier callback: it records the status and, like
// virtual-kubelet, may store it in the API server.
func (r *rig) notified(pod *corev1.Pod) {
	r.probeUnlocked("the notifier")
	r.mu.Lock()
	r.statuses[podKey(pod)] = pod.Status
	if ph := pod.Status.Phase; (ph == corev1.PodSucceeded || ph == corev1.PodFailed) && r.terminal[podKey(pod)] == "" {
		r.terminal[podKey(pod)] = ph
	}
	r.pushes++
	r.mu.Unlock()
	if !r.cfg.writeStatus {
		return
	}
	cur, err := r.kube.CoreV1().Pods(pod.Namespace).Get(context.Background(), pod.Name, metav1.GetOptions{})
	if err != nil || cur.UID != pod.UID {
		return
	}
	cur.Status = pod.Status
	_, _ = r.kube.CoreV1().Pods(pod.Namespace).UpdateStatus(context.Background(), cur, metav1.UpdateOptions{})
}

func (r *rig) pushCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pushes
}

// gpuPod is a one-container pod asking for n GPUs, bound to the test node.
func gpuPod(name string, gpus int, annotations map[string]string) *corev1.Pod {
	res := corev1.ResourceList{}
	if gpus > 0 {
		res["nvidia.com/gpu"] = *resource.NewQuantity(int64(gpus), resource.DecimalSI)
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: uidOf(name),
			Annotations: annotations},
		Spec: corev1.PodSpec{NodeName: testNode, RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{
			Name: "main", Image: "runpod/pytorch:2.4.0", Resources: corev1.ResourceRequirements{Limits: res},
			Ports: []corev1.ContainerPort{{ContainerPort: 22, Protocol: corev1.ProtocolTCP}},
		}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
}

// uidOf is a pod UID derived from its name.
func uidOf(name string) types.UID {
	h := fnv.New64a()
	h.Write([]byte(name))
	sum := h.Sum64()
	return types.UID(fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(sum>>32), sum&0xffffffffffff))
}

// status returns the last status pushed for ns/name.
func (r *rig) status(name string) (corev1.PodStatus, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.statuses[keyOf("default", name)]
	return st, ok
}

// eventually runs rounds until cond holds or fails the test after 15 s (a
// loaded CI machine runs the race detector over every package at once).
func (r *rig) eventually(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		r.p.Round(r.ctx)
		time.Sleep(15 * time.Millisecond)
	}
}

func (r *rig) advance(d time.Duration) {
	r.mu.Lock()
	r.clock += d
	r.mu.Unlock()
	r.clk.Step(d)
}

func (r *rig) kubePod(name string) *corev1.Pod {
	r.t.Helper()
	p, err := r.kube.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

func (r *rig) events() []string {
	var out []string
	for {
		select {
		case e := <-r.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// probeUnlocked records a violation when the calling goroutine (or anyone,
// for over a second) holds the tracker lock: the provider must never call
// RunPod, Kubernetes, the recorder or the notifier under it.
func (r *rig) probeUnlocked(what string) {
	p := r.probe.Load()
	if p == nil {
		return
	}
	free := make(chan struct{})
	go func() {
		p.tr.with(func(map[string]*tracked) {})
		close(free)
	}()
	select {
	case <-free:
	case <-time.After(time.Second):
		r.mu.Lock()
		r.lockHeld = append(r.lockHeld, what)
		r.mu.Unlock()
	}
}

// probingRecorder checks the tracker lock before every event.
type probingRecorder struct {
	*record.FakeRecorder
	r *rig
}

func (p probingRecorder) Eventf(obj runtime.Object, kind, reason, format string, args ...any) {
	p.r.probeUnlocked("the event recorder")
	p.FakeRecorder.Eventf(obj, kind, reason, format, args...)
}

// listers are the rig's informer caches with pods served by the given lister.
func (r *rig) listers(pods corev1listers.PodLister) Listers {
	return Listers{Pods: pods, Services: r.svcLister, ConfigMaps: r.cmLister, Secrets: r.secLister}
}

// firstTerminal is the first terminal phase pushed for ns default/name.
func (r *rig) firstTerminal(name string) corev1.PodPhase {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.terminal[keyOf("default", name)]
}
