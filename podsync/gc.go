package podsync

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// collectOrphans deletes RunPod pods this node created whose Kubernetes pod
// no longer exists. The RunPod list was taken first and the Kubernetes view
// is read second, so a pod created in between is never mistaken for an
// orphan; the grace period since createdAt covers informer lag. Pods of other
// clusters, other nodes or made by hand never match policy.Owned.
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
	for _, rp := range l.byID {
		if !p.isOrphan(rp, live, now) {
			continue
		}
		if err := p.deleteRunPod(ctx, rp.ID); err != nil {
			p.log.Warn("delete orphaned RunPod pod; next round retries", "runpodID", rp.ID, "name", rp.Name, "err", err)
			continue
		}
		p.log.Info("deleted orphaned RunPod pod: no Kubernetes pod owns it", "runpodID", rp.ID, "name", rp.Name,
			"age", now.Sub(rp.CreatedAt).Round(time.Second), "costPerHr", rp.Cost)
	}
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
