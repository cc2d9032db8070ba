// Package policy holds every decision about what to ask RunPod for. It is
// pure: Plan takes values (the pod, its owning Job, the cluster's Services,
// the node's settings, a GPU catalog snapshot) and returns an ordered list of
// complete v2 CreatePodRequest candidates with a one-line explanation, or an
// *Error naming the offending annotation, container, port or filter.
//
// It must not touch clients, clocks, goroutines or package state. Callers ask
// CatalogQueryFor which catalog to read (count and cloud), call Plan, try the
// candidates in order, and put *Error messages into Kubernetes Events:
// ErrRefused means the pod as written can never run, ErrNoCandidates means
// nothing in this catalog fits now. Other errors are the caller's mistakes.
//
// Decisions a later reader relies on:
//   - Annotations: pod first, then the owning Job, then node settings; a blank
//     value is unset; the two CUDA keys are one setting (the pod's replaces the
//     Job's). Keys are constants beside their parsers; AnnotationKeys lists
//     them and a test keeps README.md's table equal to it.
//   - GPU choice, filters in this order: pinned ids, cloud, VRAM floor,
//     maxCount, per-GPU price cap, stock, allowed data centers. The cap is per
//     GPU (an N-GPU pod may cost N × cap); the pod's max-price may only lower
//     the node's (the lower applies; node 0 = no cap). Order: per-GPU price,
//     stock HIGH > MEDIUM > LOW, GPU type id, allow-list order; a pinned
//     runpod.io/gpu-type-ids list keeps its own order. One candidate per (type,
//     allowed data center where the type has stock), or one per type without
//     dataCenterIds when neither node nor pod names a data center. Stock is
//     the best of the type's overall and per-data-center availability; NONE or
//     missing counts as none.
//   - CPU pods (no nvidia.com/gpu): cpu {node flavor or cpu3c, cpu request
//     rounded up to a power of two ≥ 2 and ≥ the flavor's minimum}; one
//     candidate per allowed data center (or one letting RunPod choose);
//     HourlyCost = the CPU catalog's securePerVcpu × vCPUs. More vCPUs than the
//     flavor's maximum is refused; a flavor missing from the catalog is
//     ErrNoCandidates. GPU-only annotations on a CPU pod are refused.
//   - Containers: exactly one app container runs. Any other container, init
//     containers included, must be listed in runpod.io/drop-containers;
//     kubectl.kubernetes.io/default-container picks the one to run but is not
//     consent to drop the rest (webhooks set it when injecting sidecars).
//   - Command: v2 has no entrypoint override. command+args (or args alone),
//     after Kubernetes $(VAR) expansion, are shell-quoted into the one `args`
//     string the image's ENTRYPOINT receives.
//   - Env: copied verbatim from the pod virtual-kubelet resolved; anything
//     still unresolved (valueFrom, envFrom) is refused. Service-link variables
//     are dropped only when name and value both equal what a passed-in Service
//     yields (mirroring virtual-kubelet v1.14.1 internal/podutils) and the
//     stored pod's container does not declare the name.
//   - Naming and ownership: Name is rpk-<cluster>-<node>-<hash>-<podUID>
//     (≤ 185 characters; see naming.go); OwnedBy parses it back for one
//     cluster and node only; Owned also checks the RUNPOD_KUBELET_* env. Both
//     make creates idempotent (look up by name first) and GC safe.
package policy
