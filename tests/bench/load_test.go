package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// cpuPod is a bare CPU-only pod for the virtual node (no nvidia.com/gpu, so
// the simulator's GPU stock never limits the scale).
func cpuPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{"app": podLabel}},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			NodeSelector:  map[string]string{"type": "virtual-kubelet"},
			Tolerations: []corev1.Toleration{{Key: "virtual-kubelet.io/provider", Operator: corev1.TolerationOpEqual,
				Value: "runpod", Effect: corev1.TaintEffectNoSchedule}},
			Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36"}},
		},
	}
}

func podNames(prefix string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%04d", prefix, from+i)
	}
	return out
}

// createPods creates the pods with 32 parallel requests and notes when each
// was sent; it returns when every create has been answered.
func (e *env) createPods(w *podWatch, names []string) { e.createPodsOf(w, names, cpuPod) }

// createPodsOf is createPods with the pods mk makes.
func (e *env) createPodsOf(w *podWatch, names []string, mk func(name string) *corev1.Pod) {
	e.t.Helper()
	work := make(chan string)
	errs := make(chan error, len(names))
	var wg sync.WaitGroup
	for range min(32, len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range work {
				w.submitted(name, time.Now())
				if _, err := e.kube.CoreV1().Pods(namespace).Create(context.Background(), mk(name), metav1.CreateOptions{}); err != nil {
					errs <- fmt.Errorf("create pod %s: %w", name, err)
				}
			}
		}()
	}
	for _, n := range names {
		work <- n
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
}

// deletePods deletes the pods (graceful, as a user would) and waits until
// the API server no longer has them.
func (e *env) deletePods(w *podWatch, names []string, timeout time.Duration) {
	e.t.Helper()
	for _, name := range names {
		err := e.kube.CoreV1().Pods(namespace).Delete(context.Background(), name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			e.t.Fatalf("delete pod %s: %v", name, err)
		}
	}
	e.waitAll(w, names, timeout, "deleted", func(s seen) bool { return !s.gone.IsZero() })
}

// waitAll waits until every pod satisfies cond and returns when the last
// one did (per the watch), or fails the test after timeout.
func (e *env) waitAll(w *podWatch, names []string, timeout time.Duration, what string, cond func(seen) bool) {
	e.t.Helper()
	e.eventually(timeout, 100*time.Millisecond, fmt.Sprintf("%d pods %s", len(names), what), func() (bool, string) {
		missing := 0
		var example string
		for _, n := range names {
			s := w.get(n)
			if !s.failed.IsZero() {
				e.t.Fatalf("pod %s Failed while waiting for %s", n, what)
			}
			if !cond(s) {
				missing++
				example = n
			}
		}
		return missing == 0, fmt.Sprintf("%d of %d not yet %s (e.g. %s)", missing, len(names), what, example)
	})
}

// annotated waits until every pod carries its runpod.io/pod-id annotation
// (the patch may trail the Running status by a round).
func (e *env) waitAnnotated(w *podWatch, names []string, timeout time.Duration) {
	e.t.Helper()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	e.eventually(timeout, 250*time.Millisecond, "pods annotated with runpod.io/pod-id", func() (bool, string) {
		missing := len(want)
		for _, p := range w.live() {
			if want[p.Name] && p.Annotations["runpod.io/pod-id"] != "" {
				missing--
			}
		}
		return missing == 0, fmt.Sprintf("%d of %d without runpod.io/pod-id", missing, len(want))
	})
}

// runpodPods maps the simulator's live pods by Kubernetes pod name, through
// the deterministic RunPod name of each pod's UID.
func (e *env) runpodPods(w *podWatch, names []string) map[string]runpodapi.Pod {
	return runpodPodsOf(e.sim.Pods(), w, e.clusterID, nodeName, names)
}

// runpodPodsOf maps pods by Kubernetes pod name, through the RunPod name a
// kubelet of clusterID on node gives each pod's UID.
func runpodPodsOf(pods []runpodapi.Pod, w *podWatch, clusterID, node string, names []string) map[string]runpodapi.Pod {
	byName := map[string]runpodapi.Pod{}
	for _, rp := range pods {
		byName[rp.Name] = rp
	}
	out := map[string]runpodapi.Pod{}
	for _, n := range names {
		s := w.get(n)
		if s.uid == "" {
			continue
		}
		if rpName, err := policy.Name(clusterID, node, string(s.uid)); err == nil {
			if rp, ok := byName[rpName]; ok {
				out[n] = rp
			}
		}
	}
	return out
}
