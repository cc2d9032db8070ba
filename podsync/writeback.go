package podsync

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Everything runpod-kubelet writes to a pod goes out from this file, and
// each field has one owner:
//
//   - status — owner: the status push. statusUpdate maps the tracked pod
//     (status.go's pure BuildStatus) and, when it changed, hands the pod to
//     virtual-kubelet, whose pod controller writes it with UpdateStatus at
//     the resourceVersion its informer holds. Why: the status is what
//     Kubernetes (Jobs, kubectl, the scheduler) reads of the container.
//   - runpod.io/* annotations — owner: recordState, a JSON merge patch carrying
//     the pod UID (the API server refuses it for another pod of the same
//     name). Why: the RunPod id and cost are the durable state a new term
//     adopts from, and users read them.
//
// The status push cannot leave metadata alone: pods/status keeps the
// metadata it is sent. So the pushed pod starts from the pod as the API
// server has it (not the copy from CreatePod) and carries the very
// annotation values recordState writes — it never writes a value of its own,
// it only avoids undoing a patch the informer has not shown yet.

// statusUpdate maps t to the status Kubernetes should show and returns the
// pod to push, or nil when nothing changed (always forces a push). cur is
// the pod as the API server has it, for stable condition times. The caller
// holds the tracker lock.
func (p *Provider) statusUpdate(t *tracked, cur *corev1.Pod, always bool) *corev1.Pod {
	st := p.buildStatus(t, cur)
	if !always && t.status != nil && equality.Semantic.DeepEqual(*st, *t.status) {
		return nil
	}
	t.status = st
	out := withStatus(p.currentPod(t.pod), st)
	if t.runpod != nil {
		state := mergeState(ReadState(out.Annotations), StateOf(t.runpod))
		if out.Annotations == nil {
			out.Annotations = map[string]string{}
		}
		for k, v := range state.Annotations() {
			out.Annotations[k] = v
		}
	}
	return out
}

// buildStatus gathers a tracked pod's facts for the pure status mapping.
func (p *Provider) buildStatus(t *tracked, current *corev1.Pod) *corev1.PodStatus {
	if current == nil {
		current = t.pod
	}
	if t.container == "" {
		t.container = containerOf(t.pod, nil)
	}
	st := BuildStatus(StatusInput{
		Pod:              current,
		Container:        t.container,
		RunPod:           t.runpod,
		Waiting:          t.waiting,
		Missing:          t.gone,
		Rejection:        t.rejected,
		Exit:             t.exit,
		DeadlineExceeded: t.deadlineExceeded,
		Deleted:          t.deleted,
		RestartCount:     t.restarts,
		LastTermination:  t.lastTerm,
		NodeIP:           p.s.NodeIP,
		Now:              metav1.NewTime(p.now().Truncate(time.Second)), // the API server stores whole seconds; finer times would look like changes every round
	})
	return &st
}

// push hands a pod with a new status to virtual-kubelet's pod controller.
func (p *Provider) push(pod *corev1.Pod) {
	p.mu.Lock()
	cb := p.notify
	p.mu.Unlock()
	cb(pod)
}

// withStatus is a pod to push: metadata without managedFields, and st. No
// spec: virtual-kubelet keeps a copy of every pushed pod, and the pods/status
// endpoint takes the spec from the stored pod.
func withStatus(pod *corev1.Pod, st *corev1.PodStatus) *corev1.Pod {
	meta := pod.ObjectMeta
	meta.ManagedFields = nil // dropped before the deep copy, not copied then dropped
	return &corev1.Pod{TypeMeta: pod.TypeMeta, ObjectMeta: *meta.DeepCopy(), Status: *st.DeepCopy()}
}

// slim is a deep copy of pod without managedFields: nothing here reads them,
// they are a third of a pod's size, and a write that carries none leaves the
// API server's set as it is.
func slim(pod *corev1.Pod) *corev1.Pod {
	shallow := *pod
	shallow.ManagedFields = nil // dropped before the deep copy, not copied then dropped
	return shallow.DeepCopy()
}

// record queues a write of the tracked pod's RunPod facts into its
// annotations (records queue).
func (p *Provider) record(key string) { p.q.records.Add(key) }

// recordOnce writes what the tracker holds for key now: a pod whose state
// changed twice before its turn gets one patch. A failed write is retried
// with back-off; every round compares the annotations again anyway.
func (p *Provider) recordOnce(ctx context.Context, key string) {
	var pod *corev1.Pod
	var rp *runpodapi.Pod
	p.tr.get(key, func(t *tracked) {
		if t.runpod != nil && !t.deleted {
			pod, rp = t.pod, copyPod(t.runpod)
		}
	})
	if pod == nil {
		p.q.records.Forget(key) // not created yet, deleted or gone: nothing to record
		return
	}
	if err := p.recordState(ctx, pod, rp); err != nil {
		p.log.Warn("record RunPod state in pod annotations; will retry", "pod", key, "runpodID", rp.ID, "err", err)
		p.q.records.AddRateLimited(key)
		return
	}
	p.q.records.Forget(key)
}

// recordState writes the RunPod pod's facts into the pod's annotations when
// they changed.
func (p *Provider) recordState(ctx context.Context, pod *corev1.Pod, rp *runpodapi.Pod) error {
	current := p.currentPod(pod)
	state := mergeState(ReadState(current.Annotations), StateOf(rp))
	patch := statePatch(string(pod.UID), current.Annotations, state)
	if patch == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := p.kube.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("patch annotations of %s: %w", podKey(pod), err)
	}
	return nil
}

// currentPod is the pod as the informer has it now (annotations and status
// as stored), falling back to the given copy.
func (p *Provider) currentPod(pod *corev1.Pod) *corev1.Pod {
	p.mu.Lock()
	lister := p.pods
	p.mu.Unlock()
	if lister != nil {
		if cur, err := lister.Pods(pod.Namespace).Get(pod.Name); err == nil && cur.UID == pod.UID {
			return cur
		}
	}
	return pod
}
