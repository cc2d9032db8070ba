package podsync

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

// Rebuild fills the tracker at the start of a leadership term, before the pod
// controller asks GetPod: from every pod bound to this node (read from the
// API server, not a cache) and one RunPod listing.
//
//   - A RunPod pod this node made for the pod (its name and ownership env) is
//     adopted, whether the pod's runpod.io/pod-id names it or not (a create
//     that crashed before the annotation patch).
//   - An annotated id the listing shows to be someone else's is ignored with
//     a Warning; one the listing does not show (or RunPod is down) stays a
//     claim, proven or dropped by the rounds, never acted on before.
//   - The rest are left for CreatePod; after a takeover from a live leader,
//     their creates wait out the hold (handover.go).
func (p *Provider) Rebuild(ctx context.Context) error {
	list, err := p.kube.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", p.s.NodeName).String(),
	})
	if err != nil {
		return fmt.Errorf("list pods of node %s to rebuild the pod cache: %w", p.s.NodeName, err)
	}
	l, rpErr := p.list(ctx, nil)
	if rpErr != nil {
		p.log.Warn("list RunPod pods at term start; annotated pods wait to be proven ours", "err", rpErr)
	}
	type adoption struct {
		pod *corev1.Pod
		id  string
	}
	var records []adoption
	var forged []pendingForged
	adopted := 0
	p.tr.with(func(m map[string]*tracked) {
		for i := range list.Items {
			pod := &list.Items[i]
			t, f := p.adopt(pod, l)
			if f != nil {
				forged = append(forged, *f)
			}
			if t == nil {
				if !isTerminal(pod.Status.Phase) {
					p.handover.hold(pod.UID)
				}
				continue
			}
			m[podKey(pod)] = t
			adopted++
			if t.runpod != nil && ReadState(pod.Annotations).RunPodID != t.runpodID {
				records = append(records, adoption{pod: t.pod, id: t.runpodID})
			}
		}
	})
	for _, f := range forged {
		p.forgedEvent(f.pod, f.id, f.rp)
	}
	for _, r := range records {
		p.event(r.pod, corev1.EventTypeNormal, EventAdopted, "adopted RunPod pod %s found by name after a restart", r.id)
		p.record(podKey(r.pod))
	}
	for range adopted {
		p.metrics.Count(OpAdopt)
	}
	p.log.Info("pod cache rebuilt", "node", p.s.NodeName, "kubernetesPods", len(list.Items), "adopted", adopted,
		"runpodListed", l != nil, "listingComplete", l != nil && l.complete, "forgedIDs", len(forged))
	return nil
}

// adopt builds the tracker entry for pod, or nil when CreatePod should
// handle it; forged is an annotated id the listing shows is not the pod's.
func (p *Provider) adopt(pod *corev1.Pod, l *listing) (t *tracked, forged *pendingForged) {
	t = &tracked{pod: keepPod(pod), container: containerOf(pod, nil), terminal: isTerminal(pod.Status.Phase)}
	t.restarts = restartCountOf(pod, t.container)
	t.status = pod.Status.DeepCopy()
	claim := ReadState(pod.Annotations).RunPodID
	if claim != "" {
		switch pr, rp := p.proveIn(l, claim, pod.UID); pr {
		case proofOurs:
			t.runpodID, t.runpod = rp.ID, rp
			return t, nil
		case proofNotOurs:
			forged, claim = &pendingForged{pod: pod, id: claim, rp: rp}, ""
		}
	}
	if l != nil {
		if rp := p.ownPodIn(l, pod.UID); rp != nil {
			t.runpodID, t.runpod = rp.ID, rp
			return t, forged
		}
	}
	if claim != "" {
		t.claim = claim // prove it in the rounds; act on nothing before
		return t, forged
	}
	return nil, forged
}
