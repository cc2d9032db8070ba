package podsync

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestGCDeletesOnlyOurOrphansAfterTheGrace(t *testing.T) {
	for _, lagging := range []bool{false, true} {
		t.Run(map[bool]string{false: "informer synced", true: "informer behind"}[lagging], func(t *testing.T) {
			testGC(t, lagging)
		})
	}
}

// testGC seeds every kind of RunPod pod GC may meet; with lagging, the
// provider's informer has no pods at all, so only the API server knows them.
func testGC(t *testing.T, lagging bool) {
	tracked := gpuPod("tracked", 0, nil) // live, adopted by Rebuild
	untracked := gpuPod("untracked", 0, nil)
	r := newRig(t, nil)

	seeds := map[string]runpodapi.Pod{} // what each RunPod pod stands for → the pod
	seeds["orphan"] = r.seedFor(gpuPod("orphan", 0, nil), testCluster, testNode)
	seeds["other cluster"] = r.seedFor(gpuPod("other-cluster", 0, nil), "another-cluster-id", testNode)
	seeds["other node"] = r.seedFor(gpuPod("other-node", 0, nil), testCluster, "virtual-runpod-2")
	hand := handMade(r, "my-notebook", nil)
	seeds["hand-made"] = hand
	// Our name pattern, but the env says another cluster (or was edited): policy.Owned needs both.
	name, _ := policy.Name(testCluster, testNode, string(uidOf("name-only")))
	seeds["name without env"] = handMade(r, name, nil)
	seeds["name, env of another cluster"] = handMade(r, mustName(t, testCluster, testNode, "env-mismatch"), map[string]string{
		policy.EnvClusterID: "another-cluster-id", policy.EnvNodeName: testNode, policy.EnvPodUID: string(uidOf("env-mismatch"))})
	seeds["name, env of another pod"] = handMade(r, mustName(t, testCluster, testNode, "uid-mismatch"), map[string]string{
		policy.EnvClusterID: testCluster, policy.EnvNodeName: testNode, policy.EnvPodUID: string(uidOf("someone-else"))})
	seeds["tracked pod's"] = r.seedFor(tracked, testCluster, testNode)
	seeds["untracked live pod's"] = r.seedFor(untracked, testCluster, testNode)

	if _, err := r.kube.CoreV1().Pods("default").Create(r.ctx, withPodID(tracked, seeds["tracked pod's"].ID), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("the informer", func() bool { _, err := r.podLister.Pods("default").Get(tracked.Name); return err == nil })
	if err := r.p.Rebuild(r.ctx); err != nil {
		t.Fatal(err)
	}
	// Created after Rebuild: live in the informer, not tracked (its CreatePod is still queued).
	untrackedStored := withPodID(untracked, seeds["untracked live pod's"].ID)
	if _, err := r.kube.CoreV1().Pods("default").Create(r.ctx, untrackedStored, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("the informer", func() bool { _, err := r.podLister.Pods("default").Get(untracked.Name); return err == nil })
	if lagging {
		r.p.Attach(r.listers(emptyPodLister{}))
	}

	for _, step := range []struct {
		advance time.Duration
		gone    []string
	}{
		{0, nil},                              // just created: inside the grace
		{29 * time.Second, nil},               // still inside
		{2 * time.Second, []string{"orphan"}}, // 31 s: past the grace
		{time.Hour, []string{"orphan"}},       // nothing else, ever
	} {
		r.advance(step.advance)
		r.rounds(2)
		live := map[string]bool{}
		for _, p := range r.sim.Pods() {
			live[p.ID] = true
		}
		want := map[string]bool{}
		for _, g := range step.gone {
			want[g] = true
		}
		for what, rp := range seeds {
			if live[rp.ID] == want[what] {
				t.Errorf("after +%s: %s RunPod pod %s deleted=%v, want %v", r.clockNow(), what, rp.ID, !live[rp.ID], want[what])
			}
		}
		if got := r.count(routeDelete); got != int64(len(step.gone)) {
			t.Errorf("after +%s: %d DELETEs, want %d", r.clockNow(), got, len(step.gone))
		}
	}
}

// handMade seeds a CPU RunPod pod with exactly this name and env, like a user would.
func handMade(r *rig, name string, env map[string]string) runpodapi.Pod {
	r.t.Helper()
	rp, err := r.sim.Seed(runpodapi.CreatePodRequest{Name: name, Image: "runpod/pytorch:2.4.0", Env: env,
		Cpu: &runpodapi.CreateCpuConfig{ID: "cpu3c", VcpuCount: 2}})
	if err != nil {
		r.t.Fatal(err)
	}
	return rp
}

func mustName(t *testing.T, cluster, node, pod string) string {
	t.Helper()
	name, err := policy.Name(cluster, node, string(uidOf(pod)))
	if err != nil {
		t.Fatal(err)
	}
	return name
}

func (r *rig) clockNow() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.clock
}
