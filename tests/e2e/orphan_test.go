package e2e

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/uuid"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// Scenario 10: orphan GC. A RunPod pod with this node's name and ownership
// env but no Kubernetes pod is deleted once it is ORPHAN_GRACE (5 s here)
// old, not before; a hand-made pod and a pod of another cluster on the same
// account are never touched.
func TestOrphanGarbageCollection(t *testing.T) {
	t.Parallel() // no latency assertion: safe beside another scenario
	const grace = 5 * time.Second
	e := newEnv(t, nil)
	e.startKubelet("replica-a", "ORPHAN_GRACE="+grace.String())
	e.waitNodeReady()
	clusterID := haClusterID(e)

	orphanUID := string(uuid.NewUUID())
	orphan := haSeed(t, e.sim, clusterID, orphanUID, "ghost")
	seededAt := time.Now()
	notebook, err := e.sim.Seed(runpodapi.CreatePodRequest{Name: "my-notebook", Image: "runpod/pytorch:2.4.0",
		Cpu: &runpodapi.CreateCpuConfig{ID: simulator.CPUFlavorID, VcpuCount: 2}})
	if err != nil {
		t.Fatal(err)
	}
	otherCluster := haSeed(t, e.sim, "another-cluster-0b7e", string(uuid.NewUUID()), "theirs")
	t.Logf("seeded orphan %s (%s), hand-made %s, other cluster's %s", orphan.ID, orphan.Name, notebook.ID, otherCluster.ID)
	if _, ok := policy.Owned(&orphan, clusterID, nodeName); !ok {
		t.Fatalf("the seeded orphan %s is not recognised as this node's", orphan.Name)
	}

	// Within the grace period the orphan stays (the kubelet lists every 2 s).
	for time.Since(seededAt) < grace-time.Second {
		if _, ok := e.sim.Pod(orphan.ID); !ok {
			t.Fatalf("the orphan was deleted %s after it was created, before the %s grace", time.Since(seededAt).Round(100*time.Millisecond), grace)
		}
		time.Sleep(500 * time.Millisecond)
	}
	deadline := seededAt.Add(grace + 15*time.Second)
	for {
		if _, ok := e.sim.Pod(orphan.ID); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the orphan %s still exists %s after it was created", orphan.ID, time.Since(seededAt).Round(time.Second))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("orphan deleted %s after it was created", time.Since(seededAt).Round(100*time.Millisecond))

	// Well past the grace period the others are still there, untouched.
	for time.Since(seededAt) < 4*grace {
		time.Sleep(time.Second)
	}
	for _, rp := range []runpodapi.Pod{notebook, otherCluster} {
		got, ok := e.sim.Pod(rp.ID)
		if !ok {
			t.Errorf("%s (%s) was deleted; only this cluster's node's pods may be collected", rp.ID, rp.Name)
			continue
		}
		if got.Status != runpodapi.StatusRunning {
			t.Errorf("%s (%s) is %s, want it left RUNNING", rp.ID, rp.Name, got.Status)
		}
	}
	c := e.sim.Counters()
	if c["DELETE /v2/pods/{id}"] != 1 || c["POST /v2/pods/{id}/action"] != 0 || c["PATCH /v2/pods/{id}"] != 0 {
		t.Errorf("want exactly one DELETE (the orphan) and no stop or PATCH: %v", c)
	}
	if n := len(e.sim.Pods()); n != 2 {
		t.Errorf("RunPod has %d pods, want the 2 that are not ours", n)
	}
}

// haSeed puts a RunPod pod on the account as runpod-kubelet of clusterID
// would have made it for a Kubernetes pod podUID named podName.
func haSeed(t *testing.T, sim *simulator.Server, clusterID, podUID, podName string) runpodapi.Pod {
	t.Helper()
	name, err := policy.Name(clusterID, nodeName, podUID)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := sim.Seed(runpodapi.CreatePodRequest{
		Name: name, Image: "busybox:1.36",
		Cpu: &runpodapi.CreateCpuConfig{ID: simulator.CPUFlavorID, VcpuCount: 2},
		Env: map[string]string{
			policy.EnvClusterID: clusterID, policy.EnvNodeName: nodeName,
			policy.EnvPodNamespace: ns, policy.EnvPodName: podName, policy.EnvPodUID: podUID,
		},
	})
	if err != nil {
		t.Fatal(fmt.Errorf("seed %s: %w", name, err))
	}
	return rp
}
