package podsync

// Event reasons on pods, one per decision, so `kubectl describe pod` tells
// the whole story of a placement.
const (
	EventPlanned          = "RunPodPlanned"          // plan chosen: GPU, data center, $/h
	EventCandidateSkipped = "RunPodCandidateSkipped" // a candidate refused and why
	EventCreated          = "RunPodCreated"
	EventAdopted          = "RunPodAdopted"
	EventRunning          = "RunPodRunning"
	EventExited           = "RunPodExited"
	EventFailed           = "RunPodFailed"
	EventRestarted        = "RunPodRestarted"
	EventDeleted          = "RunPodDeleted"
	EventRefused          = "RunPodRefused"     // the policy refused the pod
	EventNoCapacity       = "RunPodNoCapacity"  // every candidate was full
	EventSpendCap         = "RunPodSpendCap"    // MAX_HOURLY_SPEND reached
	EventCreateError      = "RunPodCreateError" // RunPod answered an error we wait out
	EventMissing          = "RunPodMissing"     // the RunPod pod vanished
	EventOrphanDeleted    = "RunPodOrphanDeleted"
	EventForeignPodID     = "RunPodForeignPodID"     // a runpod.io/pod-id that is not this pod's, ignored
	EventDuplicateDeleted = "RunPodDuplicateDeleted" // a second RunPod pod of this pod, deleted
	EventHandoverHold     = "RunPodHandoverHold"     // a create waits out a takeover's hold
	EventListingSuspect   = "RunPodListingSuspect"   // on the node: a listing left out many pods
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
