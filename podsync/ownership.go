package podsync

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Annotations are written by tenants: a runpod.io/pod-id may name any pod of
// the account. Before runpod-kubelet acts on a RunPod id — delete, adopt,
// logs, restart, status — the RunPod pod must prove it belongs to this
// cluster, this node and this Kubernetes pod: its name and its
// RUNPOD_KUBELET_* env say so (policy.Owned). Until then an annotated id is
// only a claim (tracked.claim) and nothing is done with it.

// owns reports whether rp is the RunPod pod this node made for pod UID uid.
func (p *Provider) owns(rp *runpodapi.Pod, uid types.UID) bool {
	got, ok := p.owner.Owns(rp)
	return ok && got == string(uid)
}

// proof is what RunPod says about a claimed or missing id.
type proof int

const (
	proofUnknown  proof = iota // RunPod did not answer; ask again later
	proofOurs                  // the pod exists and is this pod's
	proofNotOurs               // the pod exists and belongs to someone else
	proofNotFound              // GET answers 404 (or the pod is TERMINATED)
)

// prove asks GET /v2/pods/{id} whether id is pod UID uid's RunPod pod.
func (p *Provider) prove(ctx context.Context, id string, uid types.UID) (proof, *runpodapi.Pod, error) {
	rp, err := p.rp.GetPod(ctx, id)
	if p.health != nil {
		p.health.ObserveRunPod(ignoreRefusals(err), p.now())
	}
	switch {
	case errors.Is(err, runpodapi.ErrNotFound):
		return proofNotFound, nil, nil
	case err != nil:
		return proofUnknown, nil, fmt.Errorf("get RunPod pod %s to prove whose it is: %w", id, err)
	case !p.owns(rp, uid):
		return proofNotOurs, rp, nil
	case rp.Status == runpodapi.StatusTerminated:
		return proofNotFound, rp, nil
	}
	return proofOurs, rp, nil
}

// proveIn judges id from a listing alone: ours or not ours when listed,
// else unknown (the caller decides whether absence means anything).
func (p *Provider) proveIn(l *listing, id string, uid types.UID) (proof, *runpodapi.Pod) {
	if l == nil {
		return proofUnknown, nil
	}
	rp, ok := l.byID[id]
	switch {
	case !ok:
		return proofUnknown, nil
	case !p.owns(rp, uid):
		return proofNotOurs, rp
	}
	return proofOurs, copyPod(rp)
}

// forgedEvent is the Warning for an annotation that names a RunPod pod this
// pod does not own; the annotation is ignored from then on.
func (p *Provider) forgedEvent(pod *corev1.Pod, id string, rp *runpodapi.Pod) {
	why := "does not exist"
	if rp != nil {
		why = fmt.Sprintf("is not this pod's (it is named %q)", rp.Name)
	}
	p.event(pod, corev1.EventTypeWarning, EventForeignPodID,
		"ignoring annotation %s=%s: that RunPod pod %s; runpod-kubelet acts only on RunPod pods it made for this pod", AnnotationPodID, id, why)
	p.log.Warn("ignoring a runpod.io/pod-id this pod does not own", "pod", podKey(pod), "runpodID", id, "why", why)
}

// recordedByUs reports whether the pod's status — which only a kubelet
// writes — already names id as its container: the claim is then ours from an
// earlier term, not a tenant's.
func recordedByUs(pod *corev1.Pod, id string) bool {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.ContainerID == runPodContainerIDPrefix+id {
			return true
		}
	}
	return false
}
