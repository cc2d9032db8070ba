package podsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// How a pod's run ends, and what is kept of it.
//
// RunPod says only EXITED or ERROR. A container running under the
// runpod-kubelet wrapper (policy/wrapper.go) prints its command's exit
// status as its log's last line; when the round sees the pod stopped, the
// exits queue reads that line (one log read per exit) before restartPolicy
// decides, so OnFailure restarts only a failure and a Job sees its
// container's real exit code. Without the wrapper, or without the line (no
// /bin/sh in the image, the log lost), the pod keeps the mapping EXITED → 0,
// ERROR → 1, and the container's message says why.
//
// An ended pod's RunPod pod is kept (stopped, it costs nothing without a
// persistent disk) until its Kubernetes pod is deleted or ExitedRetention
// passes, so `kubectl logs` of a finished Job works; a pod with a persistent
// disk, which bills while stopped, is deleted at once.

// exitLogTail is how many of the last log lines are searched for the marker.
const exitLogTail = 50

// exitLearned reports whether t's exit status is known (or known to be
// unknowable); else it queues the log read. The caller holds the lock.
func (p *Provider) exitLearned(key string, t *tracked, rp *runpodapi.Pod, w *roundWork) bool {
	switch {
	case t.exit != nil:
		return true
	case !policy.IsWrapped(rp.Entrypoint):
		why := t.unwrapped
		if why == "" {
			why = "the container does not run under runpod-kubelet's exit-status wrapper"
		}
		t.exit = &ExitStatus{Why: why}
		return true
	}
	if !t.exitReading {
		t.exitReading, t.exitSince = true, t.runningAt
		w.exits = append(w.exits, key)
	}
	return false
}

// readExit is one attempt of the exits queue: find the wrapper's marker in
// the last lines of key's container log.
func (p *Provider) readExit(ctx context.Context, key string) {
	var id string
	var uid string
	var since time.Time
	if !p.tr.get(key, func(t *tracked) { id, uid, since = t.runpodID, string(t.uid()), t.exitSince }) || id == "" {
		return
	}
	asked := p.now()
	exit := &ExitStatus{Why: "the container log has no exit-status line (an image without /bin/sh cannot run the wrapper; set runpod.io/exit-code-wrapper: \"false\" for it)"}
	tail := exitLogTail
	err := p.rp.StreamLogs(ctx, id, runpodapi.LogOptions{Source: runpodapi.LogSourceContainer, Tail: &tail}, func(l runpodapi.LogLine) error {
		if code, ok := policy.ParseExitMarker(l.Line, uid); ok && (since.IsZero() || !l.TS.Before(since.Add(-time.Second))) {
			exit = &ExitStatus{Code: code, Known: true}
		}
		return nil
	})
	if p.health != nil {
		p.health.ObserveRunPod(ignoreRefusals(err), p.now())
	}
	switch {
	case errors.Is(err, context.Canceled):
		return // the term ended; the next one reads it
	case err != nil && !exit.Known:
		if errors.Is(err, runpodapi.ErrTransient) || errors.Is(err, runpodapi.ErrRateLimited) {
			p.q.exits.AddRateLimited(key) // RunPod will answer later
			return
		}
		exit = &ExitStatus{Why: "the container log could not be read: " + err.Error()}
	}
	p.q.exits.Forget(key)
	p.log.Info("read the exit status from the container log", "pod", key, "runpodID", id, "known", exit.Known, "code", exit.Code, "why", exit.Why)
	var seen *runpodapi.Pod
	p.tr.get(key, func(t *tracked) {
		if t.runpodID == id {
			t.exit, t.exitReading = exit, false
			if t.runpod != nil && stopped(t.runpod.Status) {
				seen = copyPod(t.runpod)
				if t.seenAt.After(asked) {
					asked = t.seenAt // a read since showed it stopped still: no older than that
				}
			}
		}
	})
	if seen == nil {
		p.kick() // the next read decides with it
		return
	}
	// The log proves the run ended as of asked: decide now, as the next read
	// of the pod would, without spending that read.
	p.decideSeen(ctx, partialListing(asked, "the exit status read from the container log", seen))
}

// endPod ends a pod whose container stopped for good (restartPolicy), and
// keeps or deletes its RunPod pod. The caller holds the lock.
func (p *Provider) endPod(t *tracked, rp *runpodapi.Pod, now time.Time, w *roundWork) {
	t.terminal, t.endedAt = true, now
	code, _, msg := exitOutcome(rp, t.exit)
	kind, reason := corev1.EventTypeNormal, EventExited
	if code != 0 {
		kind, reason = corev1.EventTypeWarning, EventFailed
	}
	if p.keepable(rp) {
		w.event(t.pod, kind, reason, "%s; keeping the stopped RunPod pod (it costs nothing) for its logs until the pod is deleted or %s pass",
			msg, p.s.ExitedRetention)
		return
	}
	w.event(t.pod, kind, reason, "%s; deleting it so it stops billing", msg)
	w.deletes = append(w.deletes, deletionOf(t, rp.ID, "the pod ended"))
}

// reconcileEnded deletes an ended pod's RunPod pod once it may no longer
// be kept. The caller holds the lock.
func (p *Provider) reconcileEnded(t *tracked, rp *runpodapi.Pod, now time.Time, w *roundWork) {
	switch {
	case t.endedAt.IsZero():
		t.endedAt = endedAt(t, now)
	case t.deadlineExceeded || t.gone:
		w.deletes = append(w.deletes, deletionOf(t, rp.ID, "the pod already ended"))
	case !p.keepable(rp):
		w.deletes = append(w.deletes, deletionOf(t, rp.ID, "the pod already ended"))
	case now.Sub(t.endedAt) >= p.s.ExitedRetention:
		w.deletes = append(w.deletes, deletionOf(t, rp.ID, fmt.Sprintf("the pod ended %s ago (EXITED_POD_RETENTION)", p.s.ExitedRetention)))
	}
}

// keepable reports whether a stopped RunPod pod may be kept for its logs.
func (p *Provider) keepable(rp *runpodapi.Pod) bool {
	persistent := rp.Mounts.Persistent != nil && rp.Mounts.Persistent.Size > 0
	return p.s.ExitedRetention > 0 && stopped(rp.Status) && !persistent
}

// endedAt is when an ended pod's container finished, from the status a
// kubelet wrote, else now.
func endedAt(t *tracked, now time.Time) time.Time {
	if t.status != nil {
		for _, cs := range t.status.ContainerStatuses {
			if cs.State.Terminated != nil && !cs.State.Terminated.FinishedAt.IsZero() {
				return cs.State.Terminated.FinishedAt.Time
			}
		}
	}
	return now
}
