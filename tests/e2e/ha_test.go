package e2e

import (
	"syscall"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// Scenario 7: two replicas; the leader is killed with SIGKILL in the middle
// of a 50-pod burst, the standby takes over after the Lease expires and
// finishes the burst with exactly one RunPod pod per Kubernetes pod. Then
// the new leader gets SIGTERM, releases the Lease, and a third replica
// takes over within seconds without creating anything.
func TestHALeaderKilledDuringBurst(t *testing.T) {
	const burst = 50
	e := newEnv(t, nil)
	replicas := map[string]*kubelet{
		"replica-a": e.startKubelet("replica-a"),
		"replica-b": e.startKubelet("replica-b"),
	}
	e.waitNodeReady()
	leaderName, _ := haWaitHolder(e, 30*time.Second, "one of the replicas", func(h string) bool { return replicas[h] != nil })
	leader := replicas[leaderName]
	standbyName := "replica-a"
	if leaderName == standbyName {
		standbyName = "replica-b"
	}
	t.Logf("leader %s, standby %s", leaderName, standbyName)
	clusterID := haClusterID(e)

	// Slow RunPod a little so the burst is still being created when the leader dies.
	e.sim.SetFaults(simulator.Faults{Latency: 150 * time.Millisecond})
	e.apply(haCPUPodList("burst", burst))
	e.eventually(60*time.Second, "the leader to have created some RunPod pods", func() (bool, string) {
		n := e.sim.Counters()["POST /v2/pods"]
		return n >= 5, ""
	})
	killedAt := time.Now()
	leader.Stop(syscall.SIGKILL, 5*time.Second)
	postsAtKill := e.sim.Counters()["POST /v2/pods"]
	t.Logf("SIGKILL %s after %d creates (RunPod has %d pods)", leaderName, postsAtKill, len(e.runpodPods()))
	if postsAtKill >= burst {
		t.Logf("note: the leader had already sent every create; the burst was not cut short")
	}

	_, tookOver := haWaitHolder(e, 30*time.Second, standbyName, func(h string) bool { return h == standbyName })
	takeover := tookOver.Sub(killedAt)
	t.Logf("takeover after SIGKILL: %s (LEASE_DURATION 6s)", takeover.Round(10*time.Millisecond))
	if takeover > 11*time.Second {
		t.Errorf("standby took over %s after the kill, want ≤ ~10s", takeover)
	}
	e.sim.SetFaults(simulator.Faults{})

	pods := haAllRunning(e, burst, 3*time.Minute)
	pods = haAnnotated(e, burst, time.Minute)
	haOnePerPod(e, clusterID, pods)
	if n := len(e.runpodPods()); n != burst {
		t.Errorf("RunPod has %d pods, want %d", n, burst)
	}
	t.Logf("after failover: %d RunPod pods, %d creates sent in all", len(e.runpodPods()), e.sim.Counters()["POST /v2/pods"])

	// Graceful handover: a third replica stands by, the leader gets SIGTERM.
	replicaC := e.startKubelet("replica-c")
	e.eventually(30*time.Second, "replica-c to stand by", func() (bool, string) {
		return haLogHas(replicaC, "standing by"), ""
	})
	posts := e.sim.Counters()["POST /v2/pods"]
	termAt := time.Now()
	done := make(chan struct{})
	go func() {
		replicas[standbyName].Stop(syscall.SIGTERM, 20*time.Second)
		close(done)
	}()
	_, handedOver := haWaitHolder(e, 30*time.Second, "replica-c", func(h string) bool { return h == "replica-c" })
	handover := handedOver.Sub(termAt)
	<-done
	t.Logf("handover after SIGTERM: %s; %s exited after %s", handover.Round(10*time.Millisecond), standbyName,
		time.Since(termAt).Round(10*time.Millisecond))
	if handover > 5*time.Second {
		t.Errorf("replica-c took over %s after SIGTERM, want ≤ 5s (the leader releases the Lease)", handover)
	}
	if !haLogHas(replicas[standbyName], "not leading") {
		t.Errorf("%s did not log stepping down", standbyName)
	}

	// The new term adopts everything: still Running, nothing created again.
	e.eventually(30*time.Second, "replica-c to reconcile", func() (bool, string) {
		return haLogHas(replicaC, "node ready; reconciling"), ""
	})
	time.Sleep(6 * time.Second) // a few reconcile rounds of the new term
	pods = haAllRunning(e, burst, 30*time.Second)
	haOnePerPod(e, clusterID, pods)
	if n := e.sim.Counters()["POST /v2/pods"]; n != posts {
		t.Errorf("the handover sent %d new creates, want 0", n-posts)
	}
	if n := len(e.runpodPods()); n != burst {
		t.Errorf("RunPod has %d pods after the handover, want %d", n, burst)
	}
}
