package podsync

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestDecideAfterExit(t *testing.T) {
	code := func(n int32) *ExitStatus { return &ExitStatus{Code: n, Known: true} }
	unknown := &ExitStatus{Why: "no wrapper"}
	tests := []struct {
		policy corev1.RestartPolicy
		status runpodapi.PodStatus
		exit   *ExitStatus
		want   afterExit
	}{
		{corev1.RestartPolicyAlways, runpodapi.StatusExited, code(0), restart},
		{corev1.RestartPolicyAlways, runpodapi.StatusError, nil, restart},
		{"", runpodapi.StatusExited, unknown, restart},
		{corev1.RestartPolicyOnFailure, runpodapi.StatusExited, code(0), succeed},
		{corev1.RestartPolicyOnFailure, runpodapi.StatusExited, code(3), restart},
		{corev1.RestartPolicyOnFailure, runpodapi.StatusExited, unknown, succeed}, // no status learned: EXITED counts as 0
		{corev1.RestartPolicyOnFailure, runpodapi.StatusError, nil, restart},
		{corev1.RestartPolicyNever, runpodapi.StatusExited, code(0), succeed},
		{corev1.RestartPolicyNever, runpodapi.StatusExited, code(143), fail},
		{corev1.RestartPolicyNever, runpodapi.StatusExited, unknown, succeed},
		{corev1.RestartPolicyNever, runpodapi.StatusError, nil, fail},
		{corev1.RestartPolicyNever, runpodapi.StatusError, code(0), succeed}, // the wrapper saw 0 before RunPod's ERROR
		{corev1.RestartPolicyNever, runpodapi.StatusRunning, nil, keepGoing},
		{corev1.RestartPolicyAlways, runpodapi.StatusProvisioning, nil, keepGoing},
		{corev1.RestartPolicyAlways, runpodapi.StatusStarting, nil, keepGoing},
	}
	for _, tt := range tests {
		if got := decideAfterExit(tt.policy, tt.status, tt.exit); got != tt.want {
			t.Errorf("decideAfterExit(%q, %s, %+v) = %d, want %d", tt.policy, tt.status, tt.exit, got, tt.want)
		}
	}
}

func restartPod(name string, p corev1.RestartPolicy) *corev1.Pod {
	pod := gpuPod(name, 0, nil)
	pod.Spec.RestartPolicy = p
	return pod
}

func TestAlwaysRestartsAnExitedPodWithBackOff(t *testing.T) {
	pod := restartPod("always", corev1.RestartPolicyAlways)
	r := newRig(t, nil, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running", func() bool { st, _ := r.status(pod.Name); return st.Phase == corev1.PodRunning })
	id := r.sim.Pods()[0].ID

	if err := r.sim.SetStatus(id, runpodapi.StatusExited); err != nil {
		t.Fatal(err)
	}
	r.eventually("running again after one restart", func() bool {
		st, _ := r.status(pod.Name)
		cs := st.ContainerStatuses[0]
		return st.Phase == corev1.PodRunning && cs.State.Running != nil && cs.RestartCount == 1
	})
	if n := r.count(routeAction); n != 1 {
		t.Fatalf("%d actions, want one start", n)
	}
	st, _ := r.status(pod.Name)
	if lt := st.ContainerStatuses[0].LastTerminationState.Terminated; lt == nil || lt.Reason != "Completed" {
		t.Errorf("lastState %+v, want the EXITED run as Completed", st.ContainerStatuses[0].LastTerminationState)
	}

	// Exits again at once: the back-off (10 s after the first restart) holds the start.
	if err := r.sim.SetStatus(id, runpodapi.StatusExited); err != nil {
		t.Fatal(err)
	}
	r.rounds(5)
	if n := r.count(routeAction); n != 1 {
		t.Fatalf("%d actions within the back-off, want still 1", n)
	}
	if st, _ := r.status(pod.Name); st.Phase != corev1.PodRunning || r.waitingReason(pod.Name) != ReasonRestarting {
		t.Errorf("during back-off: phase %s waiting %q, want Running with %s", st.Phase, r.waitingReason(pod.Name), ReasonRestarting)
	}
	r.advance(11 * time.Second)
	r.eventually("the second restart", func() bool {
		st, _ := r.status(pod.Name)
		return st.ContainerStatuses[0].RestartCount == 2 && st.ContainerStatuses[0].State.Running != nil
	})
	if n, pods := r.count(routeAction), len(r.sim.Pods()); n != 2 || pods != 1 {
		t.Errorf("%d actions and %d RunPod pods, want 2 and 1", n, pods)
	}
	if r.count(routeDelete) != 0 || r.count(routeCreate) != 1 {
		t.Errorf("a restart must reuse the RunPod pod: %v", r.sim.Counters())
	}

	// A healthy run of 10 minutes forgives the earlier crashes: after it, the
	// back-off starts again at 10 s (it would be 40 s, then 80 s, otherwise).
	r.rounds(2)
	r.advance(backoffResetAfter + time.Second)
	r.rounds(2)
	for restarts := int32(3); restarts <= 4; restarts++ {
		if err := r.sim.SetStatus(id, runpodapi.StatusExited); err != nil {
			t.Fatal(err)
		}
		r.rounds(2)
		r.advance(11 * time.Second)
		r.eventually(fmt.Sprintf("restart %d within 10 s of back-off", restarts), func() bool {
			st, _ := r.status(pod.Name)
			return st.ContainerStatuses[0].RestartCount == restarts && st.ContainerStatuses[0].State.Running != nil
		})
	}
}

func TestTerminalExitEndsAndDeletes(t *testing.T) {
	tests := []struct {
		policy corev1.RestartPolicy
		status runpodapi.PodStatus
		phase  corev1.PodPhase
		event  string
	}{
		{corev1.RestartPolicyOnFailure, runpodapi.StatusExited, corev1.PodSucceeded, EventExited},
		{corev1.RestartPolicyNever, runpodapi.StatusExited, corev1.PodSucceeded, EventExited},
		{corev1.RestartPolicyNever, runpodapi.StatusError, corev1.PodFailed, EventFailed},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy)+"/"+string(tt.status), func(t *testing.T) {
			pod := restartPod("ends", tt.policy)
			r := newRig(t, nil, pod)
			_ = r.p.CreatePod(r.ctx, pod)
			r.eventually("running", func() bool { st, _ := r.status(pod.Name); return st.Phase == corev1.PodRunning })
			if err := r.sim.SetStatus(r.sim.Pods()[0].ID, tt.status); err != nil {
				t.Fatal(err)
			}
			r.eventually("the terminal phase", func() bool { st, _ := r.status(pod.Name); return st.Phase == tt.phase })
			r.eventually("the RunPod pod deleted", func() bool { return len(r.sim.Pods()) == 0 })
			r.rounds(3)
			st, _ := r.status(pod.Name)
			term := st.ContainerStatuses[0].State.Terminated
			if st.Phase != tt.phase || term == nil || !strings.Contains(term.Message, "no exit code") {
				t.Errorf("after the delete: phase %s terminated %+v, want %s saying RunPod gives no exit code", st.Phase, term, tt.phase)
			}
			if c := r.sim.Counters(); c[routeAction] != 0 || c[routeDelete] != 1 || c[routeCreate] != 1 {
				t.Errorf("calls %v, want no action, one DELETE, one POST", c)
			}
			if !r.sawEvent(tt.event) {
				t.Errorf("no %s event", tt.event)
			}
		})
	}
}
