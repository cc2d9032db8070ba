package podsync

// The app container's state for each kind of outcome, and its times.

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// waitingOutcome is a container not started yet. Like the kubelet, a
// container that ran before (LastTermination) keeps the pod Running.
func waitingOutcome(in StatusInput, runPodMessage string) appOutcome {
	o := appOutcome{phase: corev1.PodPending}
	if in.LastTermination != nil {
		o.phase = corev1.PodRunning
	}
	w := corev1.ContainerStateWaiting{Reason: StatusReasonContainerCreating, Message: runPodMessage}
	if in.Waiting != nil {
		w = corev1.ContainerStateWaiting{Reason: in.Waiting.Reason, Message: in.Waiting.Message}
		o.reason, o.message = in.Waiting.Reason, in.Waiting.Message
	}
	o.state = corev1.ContainerState{Waiting: &w}
	o.notReady = notReadyMessage(in.Container, w.Message)
	return o
}

// runningOutcome is RUNNING; the container is Ready only once every TCP port is reachable.
func runningOutcome(in StatusInput, prev *corev1.ContainerStatus) appOutcome {
	started := startedAt(in.RunPod, prev)
	if started.IsZero() {
		started = in.Now
	}
	o := appOutcome{
		phase:   corev1.PodRunning,
		state:   corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}},
		started: true,
		ready:   PortsReady(in.RunPod),
	}
	if !o.ready {
		o.notReady = notReadyMessage(in.Container, "RunPod has not mapped every TCP port to a public address yet")
	}
	return o
}

// terminatedOutcome ends the app container.
func terminatedOutcome(in StatusInput, prev *corev1.ContainerStatus, phase corev1.PodPhase, reason, message string, exitCode int32, containerReason string) appOutcome {
	t := &corev1.ContainerStateTerminated{ExitCode: exitCode, Reason: containerReason, Message: message,
		StartedAt: startedAt(in.RunPod, prev), FinishedAt: finishedAt(prev, in.Now)}
	return appOutcome{
		phase: phase, reason: reason, message: message,
		state:    corev1.ContainerState{Terminated: t},
		notReady: notReadyMessage(in.Container, message),
	}
}

// startedAt is RunPod's startedAt, else the start the current status recorded
// (RunPod clears startedAt once a pod stops), else zero.
func startedAt(rp *runpodapi.Pod, prev *corev1.ContainerStatus) metav1.Time {
	switch {
	case rp != nil && rp.StartedAt != nil:
		return metav1.NewTime(*rp.StartedAt)
	case prev == nil:
	case prev.State.Running != nil:
		return prev.State.Running.StartedAt
	case prev.State.Terminated != nil:
		return prev.State.Terminated.StartedAt
	}
	return metav1.Time{}
}

// finishedAt keeps the end the current status recorded, so it does not move with now.
func finishedAt(prev *corev1.ContainerStatus, now metav1.Time) metav1.Time {
	if prev != nil && prev.State.Terminated != nil && !prev.State.Terminated.FinishedAt.IsZero() {
		return prev.State.Terminated.FinishedAt
	}
	return now
}

// fillAppStatus writes the outcome into the app container's status.
func fillAppStatus(cs *corev1.ContainerStatus, in StatusInput, out appOutcome, prev *corev1.ContainerStatus) {
	cs.State, cs.Ready, cs.Started, cs.RestartCount = out.state, out.ready, new(out.started), in.RestartCount
	switch {
	case in.RunPod != nil:
		cs.ContainerID = runPodContainerIDPrefix + in.RunPod.ID
	case out.state.Terminated != nil && prev != nil:
		cs.ContainerID = prev.ContainerID // the pod that ran is gone; say which it was
	}
	if t := out.state.Terminated; t != nil {
		t.ContainerID = cs.ContainerID
	}
	if in.LastTermination != nil {
		cs.LastTerminationState = corev1.ContainerState{Terminated: in.LastTermination.DeepCopy()}
	}
}

// droppedState is the state of a container the user let runpod-kubelet drop:
// it never runs, and ends with the pod when the pod is deleted.
func droppedState(in StatusInput, name string, prev *corev1.ContainerStatus) corev1.ContainerState {
	msg := "runpod-kubelet runs only container " + in.Container
	if !in.Deleted {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: StatusReasonNotRunOnRunPod, Message: msg}}
	}
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		Reason: StatusReasonRunPodPodDeleted, Message: msg + "; container " + name + " never ran", FinishedAt: finishedAt(prev, in.Now)}}
}
