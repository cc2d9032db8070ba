// Package podsync runs Kubernetes pods as RunPod pods: it implements
// virtual-kubelet's PodLifecycleHandler and PodNotifier.
//
// It owns the pod lifecycle — idempotent create (adopt by annotation, adopt
// by deterministic name, else try the placement plan's candidates), delete,
// status, restart policy, the one reconcile loop (one GET /v2/pods per round
// whatever the number of pods) and orphan garbage collection.
//
// Its durable state is the Kubernetes API: the RunPod id and cost live in pod
// annotations. The in-memory tracker is a cache rebuilt at the start of every
// leadership term from the API server plus one RunPod list; no map decides on
// its own whether a RunPod pod exists. It must not touch the node object (the
// node package does) nor decide placement (the policy package does).
package podsync
