// Package podsync runs Kubernetes pods as RunPod pods: it implements
// virtual-kubelet's PodLifecycleHandler and PodNotifier.
//
// It owns the pod lifecycle — idempotent create (adopt by annotation, adopt
// by deterministic name, else try the placement plan's candidates), delete,
// status, restart policy, the one reconcile loop (one walk of GET /v2/pods
// per round whatever the number of pods) and orphan garbage collection.
//
// Its durable state is the Kubernetes API: the RunPod id and cost live in pod
// annotations. The in-memory tracker is a cache rebuilt at the start of every
// leadership term from the API server plus one RunPod listing; no map decides
// on its own whether a RunPod pod exists. It must not touch the node object
// (the node package does) nor decide placement (the policy package does).
//
// # A pod's life, file by file
//
//	provider.go   CreatePod admits the pod (policy.Admit) and queues its create
//	queues.go     the workqueues: creates, restarts, deletes, exits, updates, records (annotation writes), and the round token
//	create.go     one create attempt: look the name up, plan once, try candidates
//	listing.go    the term's latest listing, and the name lookup it answers
//	candidates.go the candidates in order, the spec's create-error table
//	spend.go      what fits under MAX_HOURLY_SPEND
//	writeback.go  everything written back to Kubernetes: status and annotations
//	status.go     the pure RunPod → pod status mapping
//	cadence.go    when the next status read runs and what it is: the status budget
//	reconcile.go  the loop, and the round: one listing, every pod brought up to date
//	transitions.go targeted reads (GET /v2/pods/{id}) of the pods in transition, and
//	              deciding what a partial read (an early page, an exit read) shows
//	restart.go    restartPolicy after EXITED/ERROR
//	delete.go     DeletePod, and the deletes the rounds decide
//
// Safety rules (see the README's Reliability section) live beside them:
// ownership.go (prove a RunPod id is this pod's), missing.go (gone only when
// proven), handover.go (no duplicate across a leader change), gone.go
// (Kubernetes pods deleted behind our back), gc.go (orphans and duplicates),
// rebuild.go (a new term's cache).
package podsync
