package bench

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// seen is when the test process first received a watch event showing each
// milestone of one pod. Condition timestamps have whole-second resolution;
// receive times on this machine's clock are compared with the simulator's
// (same clock, millisecond resolution) instead.
type seen struct {
	uid       types.UID
	submitted time.Time // the create request was sent
	bound     time.Time // spec.nodeName set (the scheduler's binding)
	running   time.Time // phase Running
	ready     time.Time // condition Ready=True
	succeeded time.Time // phase Succeeded
	failed    time.Time
	gone      time.Time
}

// podWatch records milestones of the scenario's pods (label app=rpk-bench).
type podWatch struct {
	mu   sync.Mutex
	pods map[string]*seen // by name
	inf  cache.SharedIndexInformer
}

func (e *env) watchPods(ctx context.Context) *podWatch {
	w := &podWatch{pods: map[string]*seen{}}
	f := informers.NewSharedInformerFactoryWithOptions(e.kube, 0, informers.WithNamespace(namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = "app=" + podLabel }))
	w.inf = f.Core().V1().Pods().Informer()
	_, _ = w.inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { w.observe(obj, time.Now()) },
		UpdateFunc: func(_, obj any) { w.observe(obj, time.Now()) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if p, ok := obj.(*corev1.Pod); ok {
				w.mu.Lock()
				if s := w.pods[p.Name]; s != nil && s.uid == p.UID {
					s.gone = time.Now()
				}
				w.mu.Unlock()
			}
		},
	})
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	return w
}

// submitted notes when the create request of name was sent (before the
// pod, and so its UID, exists).
func (w *podWatch) submitted(name string, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.pods[name]; s == nil || !s.gone.IsZero() {
		w.pods[name] = &seen{submitted: at}
	}
}

func (w *podWatch) observe(obj any, now time.Time) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.pods[p.Name]
	if s == nil || (s.uid != "" && s.uid != p.UID) {
		s = &seen{}
		w.pods[p.Name] = s
	}
	s.uid = p.UID
	first := func(t *time.Time, cond bool) {
		if cond && t.IsZero() {
			*t = now
		}
	}
	first(&s.bound, p.Spec.NodeName != "")
	first(&s.running, p.Status.Phase == corev1.PodRunning)
	first(&s.ready, podReady(p))
	first(&s.succeeded, p.Status.Phase == corev1.PodSucceeded)
	first(&s.failed, p.Status.Phase == corev1.PodFailed)
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// get returns a copy of what was seen of name.
func (w *podWatch) get(name string) seen {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.pods[name]; s != nil {
		return *s
	}
	return seen{}
}

// live lists the scenario's pods in the informer cache.
func (w *podWatch) live() []*corev1.Pod {
	var out []*corev1.Pod
	for _, obj := range w.inf.GetStore().List() {
		out = append(out, obj.(*corev1.Pod))
	}
	return out
}

// count is how many distinct pod names the scenario has made.
func (w *podWatch) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pods)
}
