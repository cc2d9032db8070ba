package podsync

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// Event reasons on pods, one per decision, so `kubectl describe pod` tells
// the whole story of a placement.
const (
	EventPlanned              = "RunPodPlanned"          // plan chosen: GPU, data center, $/h
	EventCandidateSkipped     = "RunPodCandidateSkipped" // a candidate refused and why
	EventCreated              = "RunPodCreated"
	EventAdopted              = "RunPodAdopted"
	EventRunning              = "RunPodRunning"
	EventExited               = "RunPodExited"
	EventFailed               = "RunPodFailed"
	EventRestarted            = "RunPodRestarted"
	EventDeleted              = "RunPodDeleted"
	EventStopping             = "RunPodStopping"             // a deleted pod's container got SIGTERM; the delete waits
	EventRefused              = "RunPodRefused"              // the policy refused the pod
	EventNoCapacity           = "RunPodNoCapacity"           // every candidate was full
	EventSpendCap             = "RunPodSpendCap"             // MAX_HOURLY_SPEND reached
	EventCreateError          = "RunPodCreateError"          // RunPod answered an error we wait out
	EventMissing              = "RunPodMissing"              // the RunPod pod vanished
	EventOrphanDeleted        = "RunPodOrphanDeleted"        // on the node: an orphan collected
	EventSSHUnavailable       = "RunPodSSHUnavailable"       // created without the node's SSH key
	EventLocked               = "RunPodLocked"               // RunPod refuses to stop or delete a locked pod
	EventAccountObjectDeleted = "RunPodAccountObjectDeleted" // on the node: an unused secret or credential collected
	EventForeignPodID         = "RunPodForeignPodID"         // a runpod.io/pod-id that is not this pod's, ignored
	EventDuplicateDeleted     = "RunPodDuplicateDeleted"     // a second RunPod pod of this pod, deleted
	EventHandoverHold         = "RunPodHandoverHold"         // a create waits out a takeover's hold
	EventListingSuspect       = "RunPodListingSuspect"       // on the node: a listing left out many pods
)

// Waiting reasons reported on a pod that is held back.
const (
	ReasonRefused    = "RunPodRefused"
	ReasonNoCapacity = "RunPodNoCapacity"
	ReasonSpendCap   = "SpendCapReached"
	ReasonCreateErr  = "RunPodCreateError"
	ReasonRestarting = "RunPodRestarting"
	ReasonHandover   = "RunPodHandoverHold"
)

// event records an Event on a pod (or any object), as `kubectl describe` shows it.
func (p *Provider) event(obj runtime.Object, kind, reason, format string, args ...any) {
	if p.recorder != nil {
		p.recorder.Eventf(obj, kind, reason, format, args...)
	}
}

// nodeEvent records an Event on the virtual node, as a kubelet does for node matters.
func (p *Provider) nodeEvent(kind, reason, msg string) {
	if p.recorder != nil {
		ref := &corev1.ObjectReference{Kind: "Node", Name: p.s.NodeName, UID: types.UID(p.s.NodeName)}
		p.recorder.Event(ref, kind, reason, msg)
	}
}

// pendingEvent is an Event a round decided under the tracker lock and
// records after it.
type pendingEvent struct {
	pod                  *corev1.Pod
	kind, reason, format string
	args                 []any
}

func (w *roundWork) event(pod *corev1.Pod, kind, reason, format string, args ...any) {
	w.events = append(w.events, pendingEvent{pod, kind, reason, format, args})
}
