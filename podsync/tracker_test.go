package podsync

import (
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Pods are held once per tracked pod and handed to virtual-kubelet, which
// keeps its own copy of each push: neither needs managedFields (about a third
// of a pod), and a push needs no spec (pods/status keeps the stored one).
func TestTrackedAndPushedPodsAreSlim(t *testing.T) {
	pod := gpuPod("fields", 1, nil)
	pod.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply,
		FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{}}`)}}}
	r := newRig(t, nil, pod)
	var mu sync.Mutex
	var pushed []*corev1.Pod
	r.p.NotifyPods(r.ctx, func(p *corev1.Pod) {
		mu.Lock()
		defer mu.Unlock()
		pushed = append(pushed, p)
	})

	if err := r.p.CreatePod(r.ctx, pod); err != nil {
		t.Fatal(err)
	}
	r.eventually("the pod to run", func() bool {
		got, err := r.p.GetPod(r.ctx, pod.Namespace, pod.Name)
		return err == nil && got.Status.Phase == corev1.PodRunning
	})
	if err := r.p.UpdatePod(r.ctx, pod); err != nil {
		t.Fatal(err)
	}

	if len(pod.ManagedFields) != 1 {
		t.Errorf("the caller's pod was changed: managedFields %v", pod.ManagedFields)
	}
	got, _ := r.p.GetPod(r.ctx, pod.Namespace, pod.Name)
	if got.ManagedFields != nil {
		t.Errorf("GetPod returns managedFields %v", got.ManagedFields)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(pushed) == 0 {
		t.Fatal("no status was pushed")
	}
	for i, p := range pushed {
		if p.ManagedFields != nil {
			t.Errorf("push %d (%s) carries managedFields", i, p.Status.Phase)
		}
		if len(p.Spec.Containers) != 0 {
			t.Errorf("push %d (%s) carries the spec", i, p.Status.Phase)
		}
		if p.UID != pod.UID || p.Name != pod.Name || p.Namespace != pod.Namespace || p.Status.Phase == "" {
			t.Errorf("push %d lost its identity or status: %s/%s uid %s phase %q", i, p.Namespace, p.Name, p.UID, p.Status.Phase)
		}
	}
}
