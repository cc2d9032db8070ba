package podsync

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Rebuild fills the tracker at the start of a leadership term, before the pod
// controller asks GetPod: from every pod bound to this node (read from the
// API server, not a cache) and one RunPod list. A pod with a runpod.io/pod-id
// annotation is adopted as is; one without is adopted when a RunPod pod of
// its deterministic name exists (a create that crashed before the patch);
// the rest are left for CreatePod. If RunPod cannot be listed, annotated
// pods are still adopted and creates look names up before creating.
func (p *Provider) Rebuild(ctx context.Context) error {
	list, err := p.kube.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", p.s.NodeName).String(),
	})
	if err != nil {
		return fmt.Errorf("list pods of node %s to rebuild the pod cache: %w", p.s.NodeName, err)
	}
	var l *listing
	pods, rpErr := p.rp.ListPods(ctx)
	if rpErr == nil {
		l = newListing(pods, p.now())
		p.mu.Lock()
		p.lastList = l
		p.mu.Unlock()
	} else {
		p.log.Warn("list RunPod pods at term start; adopting by annotation only", "err", rpErr)
	}
	if p.health != nil {
		p.health.ObserveRunPod(rpErr, p.now())
	}
	var records []pendingRecord
	adopted := 0
	p.tr.with(func(m map[string]*tracked) {
		for i := range list.Items {
			pod := &list.Items[i]
			if t := p.adopt(pod, l); t != nil {
				m[podKey(pod)] = t
				adopted++
				if t.runpod != nil && ReadState(pod.Annotations).RunPodID == "" {
					records = append(records, pendingRecord{pod: t.pod, rp: t.runpod})
				}
			}
		}
	})
	for _, r := range records {
		p.event(r.pod, corev1.EventTypeNormal, EventAdopted, "adopted RunPod pod %s found by name after a restart", r.rp.ID)
		p.recordState(r.pod, r.rp)
	}
	for range adopted {
		p.metrics.Count(OpAdopt)
	}
	p.log.Info("pod cache rebuilt", "node", p.s.NodeName, "kubernetesPods", len(list.Items), "adopted", adopted, "runpodListed", l != nil)
	return nil
}

// adopt builds the tracker entry for pod, or nil when CreatePod should handle it.
func (p *Provider) adopt(pod *corev1.Pod, l *listing) *tracked {
	t := &tracked{pod: keepPod(pod), container: containerOf(pod, nil)}
	t.restarts = restartCountOf(pod, t.container)
	st := pod.Status.DeepCopy()
	t.status = st
	terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	if id := ReadState(pod.Annotations).RunPodID; id != "" {
		t.runpodID, t.terminal = id, terminal
		if l != nil {
			if rp, ok := l.byID[id]; ok {
				t.runpod = copyPod(rp)
			}
		}
		return t
	}
	if l == nil || terminal {
		return nil
	}
	name, err := policy.Name(p.s.ClusterID, p.s.NodeName, string(pod.UID))
	if err != nil {
		return nil
	}
	if rp, ok := l.byName[name]; ok && rp.Status != runpodapi.StatusTerminated {
		t.runpodID, t.runpod = rp.ID, copyPod(rp)
		return t
	}
	return nil
}
