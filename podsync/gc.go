package podsync

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"

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
//
// It runs only on a complete, unsuspect listing. It also deletes duplicates:
// a second RunPod pod of a live pod (a create that landed after a takeover,
// say) that is not the one the pod records, after the same grace.
func (p *Provider) collectOrphans(ctx context.Context, l *listing, kube map[string]*corev1.Pod, now time.Time) {
	live := make(map[types.UID]bool, len(kube))
	for _, kp := range kube {
		live[kp.UID] = true
	}
	recorded := map[types.UID]recordedPod{}
	p.tr.with(func(m map[string]*tracked) {
		for _, t := range m {
			live[t.uid()] = true
			if t.runpodID != "" {
				recorded[t.uid()] = recordedPod{id: t.runpodID, pod: t.pod}
			}
		}
	})
	var orphans []*runpodapi.Pod
	for _, rp := range l.byID {
		if p.isOrphan(rp, live, now) {
			orphans = append(orphans, rp)
		} else if r, dup := p.isDuplicate(rp, recorded, now); dup {
			p.deleteDuplicate(ctx, rp, r)
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
		if uid, _ := p.owner.Owns(rp); stored[types.UID(uid)] {
			continue // the informer has not caught up with this pod yet
		}
		if err := p.deleteRunPod(ctx, rp.ID); err != nil {
			p.log.Warn("delete orphaned RunPod pod; next round retries", "runpodID", rp.ID, "name", rp.Name, "err", err)
			continue
		}
		p.metrics.Count(OpOrphanDelete)
		p.log.Info("deleted orphaned RunPod pod: no Kubernetes pod owns it", "runpodID", rp.ID, "name", rp.Name,
			"age", now.Sub(rp.CreatedAt).Round(time.Second), "costPerHr", rp.Cost)
		p.nodeEvent(corev1.EventTypeNormal, EventOrphanDeleted, fmt.Sprintf(
			"deleted RunPod pod %s (%s, $%.2f/h): no Kubernetes pod owns it", rp.ID, rp.Name, rp.Cost))
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
	if rp.Status == runpodapi.StatusTerminated || rp.Locked {
		return false // a locked pod is someone's decision: RunPod refuses its delete until it is unlocked
	}
	uid, ok := p.owner.Owns(rp)
	if !ok || live[types.UID(uid)] {
		return false
	}
	return now.Sub(rp.CreatedAt) >= p.s.OrphanGrace
}

// recordedPod is the RunPod id a live pod records, and the pod (for Events).
type recordedPod struct {
	id  string
	pod *corev1.Pod
}

// isDuplicate reports whether rp is an owned RunPod pod of a live pod that
// records another RunPod pod, older than the orphan grace.
func (p *Provider) isDuplicate(rp *runpodapi.Pod, recorded map[types.UID]recordedPod, now time.Time) (recordedPod, bool) {
	if rp.Status == runpodapi.StatusTerminated || rp.Locked {
		return recordedPod{}, false
	}
	uid, ok := p.owner.Owns(rp)
	if !ok {
		return recordedPod{}, false
	}
	r, ok := recorded[types.UID(uid)]
	return r, ok && r.id != rp.ID && now.Sub(rp.CreatedAt) >= p.s.OrphanGrace
}

func (p *Provider) deleteDuplicate(ctx context.Context, rp *runpodapi.Pod, r recordedPod) {
	if err := p.deleteRunPod(ctx, rp.ID); err != nil {
		p.log.Warn("delete duplicate RunPod pod; next round retries", "runpodID", rp.ID, "pod", podKey(r.pod), "err", err)
		return
	}
	p.metrics.Count(OpOrphanDelete)
	p.log.Info("deleted duplicate RunPod pod", "runpodID", rp.ID, "pod", podKey(r.pod), "records", r.id, "costPerHr", rp.Cost)
	p.event(r.pod, corev1.EventTypeWarning, EventDuplicateDeleted,
		"deleted RunPod pod %s ($%.2f/h): a second RunPod pod of this pod, which runs on %s", rp.ID, rp.Cost, r.id)
}
