package podsync

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// afterExit is what restartPolicy says to do with a RunPod pod that stopped.
type afterExit int

const (
	keepGoing afterExit = iota // still provisioning or running
	restart                    // start it again (with back-off)
	succeed                    // terminal: Succeeded, delete it
	fail                       // terminal: Failed, delete it
)

// backoffResetAfter is how long a pod must have run for its restart back-off
// to start again from the beginning, as the kubelet does.
const backoffResetAfter = 10 * time.Minute

func ranLongEnough(runningAt, now time.Time) bool {
	return !runningAt.IsZero() && now.Sub(runningAt) >= backoffResetAfter
}

// decideAfterExit maps a RunPod status and the pod's restartPolicy to the
// next step: Always restarts EXITED and ERROR; OnFailure restarts ERROR and
// ends EXITED as Succeeded; Never ends both.
func decideAfterExit(policy corev1.RestartPolicy, st runpodapi.PodStatus) afterExit {
	switch st {
	case runpodapi.StatusExited:
		if policy == corev1.RestartPolicyAlways || policy == "" {
			return restart
		}
		return succeed
	case runpodapi.StatusError:
		if policy == corev1.RestartPolicyNever {
			return fail
		}
		return restart
	}
	return keepGoing
}

// restartRunPod starts a stopped RunPod pod again (a restart per restartPolicy).
func (p *Provider) restartRunPod(ctx context.Context, s pendingStart) {
	_, err := p.rp.PodAction(ctx, s.id, runpodapi.ActionStart)
	if p.health != nil {
		p.health.ObserveRunPod(ignoreRefusals(err), p.now())
	}
	if err != nil {
		p.log.Info("restart RunPod pod; will retry with back-off", "runpodID", s.id, "pod", s.key, "err", err)
		p.event(s.pod, corev1.EventTypeWarning, EventRestarted, "restart of RunPod pod %s failed, retrying with back-off: %v", s.id, err)
		return
	}
	var n int32
	p.tr.get(s.key, func(t *tracked) {
		t.restarts++
		n = t.restarts
	})
	p.metrics.Count(OpRestart)
	p.event(s.pod, corev1.EventTypeNormal, EventRestarted, "started RunPod pod %s again (restart %d)", s.id, n)
	p.kick()
}

// terminationOf is the container's last state when RunPod reports it EXITED
// or ERROR: RunPod gives no exit code.
func terminationOf(rp *runpodapi.Pod, now time.Time) *corev1.ContainerStateTerminated {
	t := &corev1.ContainerStateTerminated{Reason: "Completed", Message: "RunPod reports EXITED and gives no exit code"}
	if rp.Status == runpodapi.StatusError {
		t.ExitCode, t.Reason, t.Message = 1, "Error", "RunPod reports ERROR and gives no exit code"
	}
	if rp.StartedAt != nil {
		t.StartedAt.Time = *rp.StartedAt
	}
	t.FinishedAt.Time = now
	return t
}
