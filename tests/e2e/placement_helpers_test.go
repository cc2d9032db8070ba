package e2e

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Helpers of the placement scenarios (job, refusal, capacity, spend); the pl
// prefix keeps them apart from the other scenario files of this package.

// GPU types and data centers of the simulator's built-in catalog.
const (
	plRTX4090     = "NVIDIA GeForce RTX 4090" // SECURE $0.69/h; US-TX-3 (24), EU-RO-1 (8), ...
	plRTXA5000    = "NVIDIA RTX A5000"        // COMMUNITY $0.16/h
	plPrice4090   = 0.69
	plPriceA5000C = 0.16
)

// plWaitEvent waits for an Event of kind and reason on pod whose message
// contains every want, and returns its line.
func (e *env) plWaitEvent(pod, kind, reason string, timeout time.Duration, want ...string) string {
	e.t.Helper()
	var line string
	e.eventually(timeout, fmt.Sprintf("a %s %s Event on %s containing %q", kind, reason, pod, want), func() (bool, string) {
		all := e.events(pod)
		for l := range strings.SplitSeq(all, "\n") {
			if !strings.HasPrefix(l, kind+" "+reason+": ") {
				continue
			}
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(l, w)
			}
			if ok {
				line = l
				return true, ""
			}
		}
		return false, all
	})
	return line
}

// plHasEvent reports whether pod has an Event of that reason.
func (e *env) plHasEvent(pod, reason string) bool {
	for l := range strings.SplitSeq(e.events(pod), "\n") {
		if strings.Contains(l, " "+reason+": ") {
			return true
		}
	}
	return false
}

// plRunPodOf is the live RunPod pod made for p (RunPod names end in the pod UID), or nil.
func (e *env) plRunPodOf(p *corev1.Pod) *runpodapi.Pod {
	for _, rp := range e.runpodPods() {
		if strings.HasSuffix(rp.Name, "-"+string(p.UID)) {
			return &rp
		}
	}
	return nil
}

// plWaitRunPodGone waits until RunPod has no live pod with the given id.
func (e *env) plWaitRunPodGone(id string, timeout time.Duration) {
	e.t.Helper()
	e.eventually(timeout, "RunPod pod "+id+" to be deleted", func() (bool, string) {
		for _, rp := range e.runpodPods() {
			if rp.ID == id {
				return false, string(rp.Status)
			}
		}
		return true, ""
	})
}

// plPending asserts the pod is Pending with status.reason reason and no RunPod pod.
func (e *env) plPending(name, reason string) *corev1.Pod {
	e.t.Helper()
	p := e.pod(name)
	switch {
	case p == nil:
		e.t.Errorf("pod %s is gone", name)
	case p.Status.Phase != corev1.PodPending || p.Status.Reason != reason:
		e.t.Errorf("pod %s: phase %s reason %q (%s), want Pending %s", name, p.Status.Phase, p.Status.Reason, p.Status.Message, reason)
	case e.plRunPodOf(p) != nil:
		e.t.Errorf("pod %s has a RunPod pod %+v", name, e.plRunPodOf(p))
	}
	return p
}
