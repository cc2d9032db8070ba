package podsync

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// collectOrphans deletes RunPod pods this node created whose Kubernetes pod
// no longer exists. The RunPod list was taken first and the Kubernetes view
// is read second, so a pod created in between is never mistaken for an
// orphan; the grace period since createdAt covers informer lag, and before
// anything is deleted the API server itself is asked (one list, only when
// there is a candidate), so an informer that is behind or not synced yet
// cannot make GC kill a live pod's RunPod pod. Pods of other clusters, other
// nodes or made by hand never match policy.Owned.
func (p *Provider) collectOrphans(ctx context.Context, l *listing, kube map[string]*corev1.Pod, now time.Time) {
	live := make(map[types.UID]bool, len(kube))
	for _, kp := range kube {
		live[kp.UID] = true
	}
	p.tr.with(func(m map[string]*tracked) {
		for _, t := range m {
			live[t.uid()] = true
		}
	})
	var orphans []*runpodapi.Pod
	for _, rp := range l.byID {
		if p.isOrphan(rp, live, now) {
			orphans = append(orphans, rp)
		}
	}
	if len(orphans) == 0 {
		return
	}
	stored, err := p.storedPodUIDs(ctx)
	if err != nil {
		p.log.Warn("check orphaned RunPod pods against the API server; next round retries", "candidates", len(orphans), "err", err)
		return
	}
	for _, rp := range orphans {
		if uid, _ := policy.Owned(rp, p.s.ClusterID, p.s.NodeName); stored[types.UID(uid)] {
			continue // the informer has not caught up with this pod yet
		}
		if err := p.deleteRunPod(ctx, rp.ID); err != nil {
			p.log.Warn("delete orphaned RunPod pod; next round retries", "runpodID", rp.ID, "name", rp.Name, "err", err)
			continue
		}
		p.metrics.Count(OpOrphanDelete)
		p.log.Info("deleted orphaned RunPod pod: no Kubernetes pod owns it", "runpodID", rp.ID, "name", rp.Name,
			"age", now.Sub(rp.CreatedAt).Round(time.Second), "costPerHr", rp.Cost)
	}
}

// storedPodUIDs reads the UIDs of this node's pods from the API server, not a cache.
func (p *Provider) storedPodUIDs(ctx context.Context) (map[types.UID]bool, error) {
	list, err := p.kube.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", p.s.NodeName).String(),
	})
	if err != nil {
		return nil, fmt.Errorf("list pods of node %s: %w", p.s.NodeName, err)
	}
	uids := make(map[types.UID]bool, len(list.Items))
	for i := range list.Items {
		uids[list.Items[i].UID] = true
	}
	return uids, nil
}

func (p *Provider) isOrphan(rp *runpodapi.Pod, live map[types.UID]bool, now time.Time) bool {
	if rp.Status == runpodapi.StatusTerminated {
		return false
	}
	uid, ok := policy.Owned(rp, p.s.ClusterID, p.s.NodeName)
	if !ok || live[types.UID(uid)] {
		return false
	}
	return now.Sub(rp.CreatedAt) >= p.s.OrphanGrace
}
