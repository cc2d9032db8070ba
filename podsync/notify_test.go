package podsync

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// unmappedPorts hides RunPod's port mappings while set, as RunPod shows a
// RUNNING pod before its TCP ports are mapped.
type unmappedPorts struct {
	RunPod
	hide *atomic.Bool
}

func (u unmappedPorts) ListPodsPaged(ctx context.Context, onPage func([]runpodapi.Pod, bool)) (*runpodapi.PodList, error) {
	hide := func(pods []runpodapi.Pod) {
		for i := range pods {
			if u.hide.Load() && pods[i].Runtime != nil {
				pods[i].Runtime.Ports = nil
			}
		}
	}
	pl, err := u.RunPod.ListPodsPaged(ctx, func(page []runpodapi.Pod, more bool) {
		if onPage != nil {
			hide(page)
			onPage(page, more)
		}
	})
	if err != nil {
		return nil, err
	}
	hide(pl.Pods)
	return pl, nil
}

func TestStatusThroughTheNotifier(t *testing.T) {
	var hide atomic.Bool
	pod := gpuPod("lifecycle", 0, nil) // restartPolicy Never, exposes 22/tcp
	r := newRigWith(t, rigConfig{
		sim:    func(o *simulator.Options) { o.ProvisioningDelay, o.StartingDelay = time.Hour, time.Hour }, // only SetStatus moves it
		runpod: func(rp RunPod) RunPod { return unmappedPorts{RunPod: rp, hide: &hide} },
	}, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("the RunPod pod", func() bool { return len(r.sim.Pods()) == 1 })
	id := r.sim.Pods()[0].ID

	steps := []struct {
		name  string
		set   runpodapi.PodStatus // "" = leave RunPod as is
		hide  bool
		phase corev1.PodPhase
		ready bool
		state func(corev1.ContainerState) string // "" when as expected, else why not
	}{
		{"PROVISIONING", "", false, corev1.PodPending, false, waitingWith("PROVISIONING")},
		{"STARTING", runpodapi.StatusStarting, false, corev1.PodPending, false, waitingWith("STARTING")},
		{"RUNNING, TCP not mapped", runpodapi.StatusRunning, true, corev1.PodRunning, false, running},
		{"RUNNING, TCP mapped", "", false, corev1.PodRunning, true, running},
		{"EXITED with Never", runpodapi.StatusExited, false, corev1.PodSucceeded, false, terminatedWith("no exit code")},
	}
	for _, s := range steps {
		hide.Store(s.hide)
		if s.set != "" {
			if err := r.sim.SetStatus(id, s.set); err != nil {
				t.Fatal(err)
			}
		}
		r.rounds(2)
		st, ok := r.status(pod.Name)
		if !ok || st.Phase != s.phase || isReady(st) != s.ready {
			t.Errorf("%s: phase %s ready %v, want %s ready %v", s.name, st.Phase, isReady(st), s.phase, s.ready)
			continue
		}
		if why := s.state(st.ContainerStatuses[0].State); why != "" {
			t.Errorf("%s: container %s", s.name, why)
		}
		if s.phase == corev1.PodRunning && !s.ready && !strings.Contains(conditionMessage(st, corev1.ContainersReady), "TCP port") {
			t.Errorf("%s: ContainersReady %q should say the TCP ports are not mapped yet", s.name, conditionMessage(st, corev1.ContainersReady))
		}
	}
	r.eventually("the exited RunPod pod deleted", func() bool { return len(r.sim.Pods()) == 0 })
}

func waitingWith(word string) func(corev1.ContainerState) string {
	return func(s corev1.ContainerState) string {
		if s.Waiting == nil || !strings.Contains(s.Waiting.Message, word) {
			return "not waiting with a message naming " + word
		}
		return ""
	}
}

func running(s corev1.ContainerState) string {
	if s.Running == nil {
		return "not running"
	}
	return ""
}

func terminatedWith(word string) func(corev1.ContainerState) string {
	return func(s corev1.ContainerState) string {
		if s.Terminated == nil || s.Terminated.ExitCode != 0 || !strings.Contains(s.Terminated.Message, word) {
			return "not terminated with exit code 0 and a message naming " + word
		}
		return ""
	}
}

func conditionMessage(st corev1.PodStatus, t corev1.PodConditionType) string {
	for _, c := range st.Conditions {
		if c.Type == t {
			return c.Message
		}
	}
	return ""
}
