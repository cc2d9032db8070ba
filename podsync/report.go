package podsync

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
)

// buildStatus maps a tracked pod to the status Kubernetes should show.
// current is the pod as the API server has it, for stable condition times.
func (p *Provider) buildStatus(t *tracked, current *corev1.Pod) *corev1.PodStatus {
	if current == nil {
		current = t.pod
	}
	if t.container == "" {
		t.container = containerOf(t.pod, nil)
	}
	st := BuildStatus(StatusInput{
		Pod:             current,
		Container:       t.container,
		RunPod:          t.runpod,
		Waiting:         t.waiting,
		Missing:         t.gone,
		Rejection:       t.rejected,
		Deleted:         t.deleted,
		RestartCount:    t.restarts,
		LastTermination: t.lastTerm,
		NodeIP:          p.s.NodeIP,
		Now:             metav1.NewTime(p.now().Truncate(time.Second)), // the API server stores whole seconds; finer times would look like changes every round
	})
	return &st
}

// containerOf names the container RunPod runs, falling back to the first one
// for a pod the policy refuses (its status still needs a container name).
func containerOf(pod *corev1.Pod, jobAnnotations map[string]string) string {
	if name, err := policy.RunningContainer(pod, jobAnnotations); err == nil {
		return name
	}
	if len(pod.Spec.Containers) > 0 {
		return pod.Spec.Containers[0].Name
	}
	return ""
}

// restartCountOf reads the restart count Kubernetes already shows, so a new
// term continues counting where the last one stopped.
func restartCountOf(pod *corev1.Pod, container string) int32 {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == container {
			return cs.RestartCount
		}
	}
	return 0
}
