package podsync

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// recordState writes the RunPod pod's facts into the pod's annotations when
// they changed. A failed patch is retried by the next reconcile round, which
// compares the annotations again.
func (p *Provider) recordState(pod *corev1.Pod, rp *runpodapi.Pod) {
	current := p.currentPod(pod)
	state := mergeState(ReadState(current.Annotations), StateOf(rp))
	patch := statePatch(string(pod.UID), current.Annotations, state)
	if patch == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := p.kube.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		p.log.Warn("record RunPod state in pod annotations; will retry next round", "pod", podKey(pod), "runpodID", rp.ID, "err", err)
	}
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

// forPush is the pod handed to virtual-kubelet with a new status. The library
// writes it whole through UpdateStatus, and the pods/status endpoint keeps
// the metadata it is given — annotations included. So it starts from the pod
// as the API server has it (not the copy from CreatePod, whose annotations
// predate our patches) and carries the runpod.io/* state we record, which may
// not have reached the informer yet. The caller holds the tracker lock.
func (p *Provider) forPush(t *tracked, st *corev1.PodStatus) *corev1.Pod {
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
