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
)

// Waiting reasons reported on a pod that is held back.
const (
	ReasonRefused    = "RunPodRefused"
	ReasonNoCapacity = "RunPodNoCapacity"
	ReasonSpendCap   = "SpendCapReached"
	ReasonCreateErr  = "RunPodCreateError"
	ReasonRestarting = "RunPodRestarting"
)
