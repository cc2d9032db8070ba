package podsync

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"

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
	t        *testing.T
	sim      *simulator.Server
	client   *runpodapi.Client
	kube     *fake.Clientset
	recorder *record.FakeRecorder
	health   *fakeHealth
	p        *Provider
	ctx      context.Context

	mu       sync.Mutex
	statuses map[string]corev1.PodStatus
	clock    time.Duration // added to time.Now for the provider
}

type fakeHealth struct {
	mu     sync.Mutex
	errs   []error
	spend  float64
	nspend int
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

func newRig(t *testing.T, mod func(*Settings), pods ...*corev1.Pod) *rig {
	t.Helper()
	opts := simulator.DefaultOptions("podsync-test-key")
	opts.ProvisioningDelay, opts.StartingDelay, opts.LogInterval = 10*time.Millisecond, 10*time.Millisecond, 20*time.Millisecond
	opts.Quota = simulator.Quota{}
	sim := simulator.NewServer(opts)
	t.Cleanup(sim.Close)
	client, err := runpodapi.New(runpodapi.Config{BaseURL: sim.URL, APIKey: "podsync-test-key", DefaultPerMinute: -1,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, LogIdleGap: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, sim: sim, client: client, recorder: record.NewFakeRecorder(10000), health: &fakeHealth{},
		statuses: map[string]corev1.PodStatus{}}
	objs := make([]runtime.Object, 0, len(pods))
	for _, p := range pods {
		objs = append(objs, p)
	}
	r.kube = fake.NewClientset(objs...)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r.ctx = ctx

	s := Settings{ClusterID: testCluster, NodeName: testNode, NodeIP: "10.1.2.3", MaxGPUPrice: 3,
		ReconcileInterval: time.Hour, FastInterval: 10 * time.Millisecond, RetryBackoff: 20 * time.Millisecond}
	if mod != nil {
		mod(&s)
	}
	r.p = New(Deps{Settings: s, RunPod: client, Kube: r.kube, Recorder: r.recorder, Health: r.health,
		Now: func() time.Time {
			r.mu.Lock()
			defer r.mu.Unlock()
			return time.Now().Add(r.clock)
		}})
	factory := informers.NewSharedInformerFactory(r.kube, 0)
	podInf, svcInf := factory.Core().V1().Pods(), factory.Core().V1().Services()
	podLister, svcLister := podInf.Lister(), svcInf.Lister()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	r.p.Attach(podLister, svcLister)
	r.p.NotifyPods(ctx, func(pod *corev1.Pod) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.statuses[podKey(pod)] = pod.Status
	})
	r.p.mu.Lock()
	r.p.termCtx = ctx
	r.p.mu.Unlock()
	return r
}

// gpuPod is a one-container pod asking for n GPUs, bound to the test node.
func gpuPod(name string, gpus int, annotations map[string]string) *corev1.Pod {
	res := corev1.ResourceList{}
	if gpus > 0 {
		res["nvidia.com/gpu"] = *resource.NewQuantity(int64(gpus), resource.DecimalSI)
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(fmt.Sprintf("%08d-0000-4000-8000-000000000000", len(name)*7919%100000000)),
			Annotations: annotations},
		Spec: corev1.PodSpec{NodeName: testNode, RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{
			Name: "main", Image: "runpod/pytorch:2.4.0", Resources: corev1.ResourceRequirements{Limits: res},
			Ports: []corev1.ContainerPort{{ContainerPort: 22, Protocol: corev1.ProtocolTCP}},
		}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
}

// status returns the last status pushed for ns/name.
func (r *rig) status(name string) (corev1.PodStatus, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.statuses[keyOf("default", name)]
	return st, ok
}

// eventually runs rounds until cond holds or fails the test after 5 s.
func (r *rig) eventually(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
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
	defer r.mu.Unlock()
	r.clock += d
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
