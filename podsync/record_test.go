package podsync

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"

	corev1 "k8s.io/api/core/v1"
)

// heldPatches makes every pod patch the provider sends wait until release
// is closed, outside the fake clientset's lock (which a blocking reactor
// would hold for every other call too).
type heldPatches struct {
	kubernetes.Interface
	release chan struct{}
}

func (k heldPatches) CoreV1() typedcorev1.CoreV1Interface {
	return heldCoreV1{k.Interface.CoreV1(), k.release}
}

type heldCoreV1 struct {
	typedcorev1.CoreV1Interface
	release chan struct{}
}

func (c heldCoreV1) Pods(ns string) typedcorev1.PodInterface {
	return heldPods{c.CoreV1Interface.Pods(ns), c.release}
}

type heldPods struct {
	typedcorev1.PodInterface
	release chan struct{}
}

func (p heldPods) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, sub ...string) (*corev1.Pod, error) {
	select { // deaf to ctx, as a request queued behind the client's QPS is
	case <-p.release:
	case <-time.After(time.Minute): // longer than the test waits, so it cannot end the wait early
	}
	return p.PodInterface.Patch(ctx, name, pt, data, opts, sub...)
}

// A Kubernetes write that queues behind the client's QPS must not hold a
// create worker: with every annotation patch held, more pods than there are
// create workers are still all created, and their annotations land once the
// API server answers.
func TestCreatesDoNotWaitForAnnotationWrites(t *testing.T) {
	const n = createWorkers + 4
	pods := make([]*corev1.Pod, n)
	for i := range pods {
		pods[i] = gpuPod(fmt.Sprintf("held-%d", i), 1, nil)
	}
	release := make(chan struct{})
	r := newRigWith(t, rigConfig{kube: func(k kubernetes.Interface) kubernetes.Interface { return heldPatches{k, release} }}, pods...)
	for _, pod := range pods {
		if err := r.p.CreatePod(r.ctx, pod); err != nil {
			t.Fatal(err)
		}
	}
	// Rounds run beside the wait, as Run runs them: a round that waited for a
	// held patch must not keep the wait from timing out.
	stop := make(chan struct{})
	rounds := make(chan struct{})
	go func() {
		defer close(rounds)
		for {
			select {
			case <-stop:
				return
			case <-time.After(15 * time.Millisecond):
				r.p.Round(r.ctx)
			}
		}
	}()
	deadline := time.Now().Add(15 * time.Second)
	for r.count(routeCreate) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d pods created while annotation patches are held: creates wait for Kubernetes writes", r.count(routeCreate), n)
		}
		time.Sleep(15 * time.Millisecond)
	}
	close(stop)
	<-rounds
	close(release)
	for _, pod := range pods {
		r.eventually("runpod.io/pod-id recorded on "+pod.Name, func() bool { return r.kubePod(pod.Name).Annotations[AnnotationPodID] != "" })
	}
}

// A refused annotation patch is retried by the records queue itself, with
// no round to compare the annotations again.
func TestRefusedAnnotationWriteIsRetried(t *testing.T) {
	pod := gpuPod("refused-record", 1, nil)
	r := newRig(t, nil, pod)
	r.failPatches.Store(true)
	if err := r.p.CreatePod(r.ctx, pod); err != nil {
		t.Fatal(err)
	}
	r.eventually("the pod created", func() bool { return r.count(routeCreate) == 1 })
	r.failPatches.Store(false)
	deadline := time.Now().Add(10 * time.Second) // a plain wait: eventually would run rounds
	for r.kubePod(pod.Name).Annotations[AnnotationPodID] == "" {
		if time.Now().After(deadline) {
			t.Fatal("runpod.io/pod-id never recorded after the API server took patches again")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
