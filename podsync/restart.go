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

// decideAfterExit maps how the container ended and the pod's restartPolicy
// to the next step, as a kubelet does: Always restarts; OnFailure restarts
// a failure and ends a success as Succeeded; Never ends both. EXITED with
// status 0 — or with no status learned — is a success; a non-zero status
// and ERROR are failures.
func decideAfterExit(policy corev1.RestartPolicy, st runpodapi.PodStatus, exit *ExitStatus) afterExit {
	if st != runpodapi.StatusExited && st != runpodapi.StatusError {
		return keepGoing
	}
	ok := st == runpodapi.StatusExited && (exit == nil || !exit.Known || exit.Code == 0)
	if st == runpodapi.StatusError && exit != nil && exit.Known {
		ok = exit.Code == 0
	}
	switch {
	case policy == corev1.RestartPolicyAlways || policy == "":
		return restart
	case ok:
		return succeed
	case policy == corev1.RestartPolicyOnFailure:
		return restart
	}
	return fail
}

// restartOnce is one attempt of the restarts queue: start key's stopped
// RunPod pod again, if it still needs it and the spend cap has room.
func (p *Provider) restartOnce(ctx context.Context, key string) {
	var w roundWork
	var id string
	var pod *corev1.Pod
	capped := false
	p.tr.with(func(m map[string]*tracked) {
		t := m[key]
		if t == nil {
			return
		}
		t.restartQueued = false
		if t.deleted || t.terminal || t.runpod == nil || t.waiting == nil || t.waiting.Reason != ReasonRestarting ||
			decideAfterExit(t.pod.Spec.RestartPolicy, t.runpod.Status, t.exit) != restart {
			return // started meanwhile, ended or gone
		}
		if !p.restartFits(key, t, m, &w) {
			t.restartQueued, capped = true, true
			return
		}
		t.restartQueued = true // until the start is answered
		id, pod = t.runpodID, t.pod
	})
	for _, e := range w.events {
		p.event(e.pod, e.kind, e.reason, e.format, e.args...)
	}
	switch {
	case capped:
		p.q.restarts.AddAfter(key, p.s.FastInterval)
		return
	case pod == nil:
		return
	}
	started, err := p.rp.PodAction(ctx, id, runpodapi.ActionStart)
	if p.health != nil {
		p.health.ObserveRunPod(ignoreRefusals(err), p.now())
	}
	if err != nil {
		p.log.Info("restart RunPod pod; will retry with back-off", "runpodID", id, "pod", key, "err", err)
		p.event(pod, corev1.EventTypeWarning, EventRestarted, "restart of RunPod pod %s failed, retrying with back-off: %v", id, err)
		p.q.restarts.AddRateLimited(key)
		return
	}
	var n int32
	p.tr.get(key, func(t *tracked) {
		t.restartQueued = false
		t.restarts++
		n = t.restarts
		// Until a listing taken after this start, its answer is the newest
		// word on the pod: an older listing still saying EXITED must not
		// restart it again.
		t.startedAt = p.now()
		if started != nil {
			t.runpod = started
		}
	})
	p.metrics.Count(OpRestart)
	p.event(pod, corev1.EventTypeNormal, EventRestarted, "started RunPod pod %s again (restart %d)", id, n)
	p.kick()
}

// terminationOf is the container's last state when it stopped: the exit
// status the wrapper reported, else what RunPod's EXITED or ERROR implies.
func terminationOf(rp *runpodapi.Pod, now time.Time, exit *ExitStatus) *corev1.ContainerStateTerminated {
	code, reason, msg := exitOutcome(rp, exit)
	t := &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, Message: msg}
	if rp.StartedAt != nil {
		t.StartedAt.Time = *rp.StartedAt
	}
	t.FinishedAt.Time = now
	return t
}
