package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/node"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// Scenario 9: RunPod answers 503 to everything for a minute, then 429 to
// everything for ten seconds. No pod is marked Failed and the node stays
// Ready throughout; RunPodAPIReachable goes False with a message during the
// outage only; afterwards everything converges and a pod created during the
// outage is placed.
func TestRunPodOutageAndRateLimitStorm(t *testing.T) {
	t.Parallel() // no latency assertion: safe beside another scenario
	const steady = 3
	e := newEnv(t, nil)
	e.startKubelet("replica-a")
	e.waitNodeReady()
	clusterID := haClusterID(e)
	e.apply(haCPUPodList("steady", steady))
	haAllRunning(e, steady, 90*time.Second)
	haOnePerPod(e, clusterID, haAnnotated(e, steady, 30*time.Second))
	if c, _ := haNodeCondition(e, node.ConditionRunPodAPIReachable); c.Status != corev1.ConditionTrue {
		t.Fatalf("before the outage RunPodAPIReachable = %s (%s)", c.Status, c.Message)
	}

	// A one-minute outage.
	began := time.Now()
	until := began.Add(60 * time.Second)
	e.sim.SetFaults(simulator.Faults{OutageUntil: until})
	var unreachableAt time.Time
	var unreachableMsg string
	createdDuring := false
	for time.Now().Before(until.Add(-time.Second)) {
		haNoneFailed(e, fmt.Sprintf("outage +%s", time.Since(began).Round(time.Second)))
		for _, p := range haSuitePods(e) {
			if strings.HasPrefix(p.Name, "steady-") && p.Status.Phase != corev1.PodRunning {
				t.Fatalf("outage +%s: pod %s is %s, want it left Running", time.Since(began).Round(time.Second), p.Name, p.Status.Phase)
			}
		}
		if c, _ := haNodeCondition(e, node.ConditionRunPodAPIReachable); c.Status == corev1.ConditionFalse && unreachableAt.IsZero() {
			unreachableAt, unreachableMsg = time.Now(), c.Message
		}
		if !createdDuring && time.Since(began) > 10*time.Second {
			e.apply(haCPUPod("during-outage"))
			createdDuring = true
		}
		if n := len(e.sim.Pods()); n != steady && time.Now().Before(until) {
			t.Errorf("outage +%s: RunPod has %d pods, want %d: nothing is created during an outage", time.Since(began).Round(time.Second), n, steady)
		}
		time.Sleep(2 * time.Second)
	}
	if unreachableAt.IsZero() {
		t.Fatalf("RunPodAPIReachable never went False during a 60 s outage")
	}
	t.Logf("RunPodAPIReachable False %s into the outage: %q", unreachableAt.Sub(began).Round(100*time.Millisecond), unreachableMsg)
	if unreachableMsg == "" || !strings.Contains(unreachableMsg, "unreachable") {
		t.Errorf("RunPodAPIReachable message %q does not say RunPod is unreachable", unreachableMsg)
	}
	if p := e.pod("during-outage"); p == nil || p.Status.Phase != corev1.PodPending {
		t.Errorf("during-outage should wait Pending during the outage: %+v", p)
	}

	// Convergence: reachable again, every pod Running, the new one placed.
	for time.Now().Before(until) {
		time.Sleep(100 * time.Millisecond)
	}
	e.eventually(60*time.Second, "RunPodAPIReachable True after the outage", func() (bool, string) {
		c, _ := haNodeCondition(e, node.ConditionRunPodAPIReachable)
		return c.Status == corev1.ConditionTrue, string(c.Status) + " " + c.Message
	})
	reachableAfter := time.Since(until)
	pods := haAllRunning(e, steady+1, 3*time.Minute)
	runningAfter := time.Since(until)
	haOnePerPod(e, clusterID, haAnnotated(e, steady+1, 30*time.Second))
	t.Logf("after the outage: RunPodAPIReachable True in %s, during-outage Running (all %d pods) in %s",
		reachableAfter.Round(100*time.Millisecond), len(pods), runningAfter.Round(100*time.Millisecond))
	t.Logf("during-outage events:\n%s", e.events("during-outage"))
	if runningAfter > 30*time.Second {
		t.Errorf("the pod created during the outage was placed %s after it ended, want ≤ 30s; events:\n%s",
			runningAfter.Round(time.Second), e.events("during-outage"))
	}

	// A ten-second 429 storm: the API is up and asking us to slow down.
	posts := e.sim.Counters()["POST /v2/pods"]
	began = time.Now()
	e.sim.SetFaults(simulator.Faults{RateLimitStorm: true})
	for time.Since(began) < 10*time.Second {
		haNoneFailed(e, fmt.Sprintf("429 storm +%s", time.Since(began).Round(time.Second)))
		if c, _ := haNodeCondition(e, node.ConditionRunPodAPIReachable); c.Status != corev1.ConditionTrue {
			t.Errorf("429 storm +%s: RunPodAPIReachable = %s (%s); a 429 is an answer, not an outage",
				time.Since(began).Round(time.Second), c.Status, c.Message)
		}
		time.Sleep(time.Second)
	}
	e.sim.SetFaults(simulator.Faults{})
	stormEnd, lists := time.Now(), e.sim.Counters()["GET /v2/pods"]
	e.eventually(60*time.Second, "a RunPod list after the storm", func() (bool, string) {
		return e.sim.Counters()["GET /v2/pods"] > lists, ""
	})
	pods = haAllRunning(e, steady+1, time.Minute)
	e.eventually(60*time.Second, "RunPodAPIReachable True after the storm", func() (bool, string) {
		c, _ := haNodeCondition(e, node.ConditionRunPodAPIReachable)
		return c.Status == corev1.ConditionTrue, string(c.Status)
	})
	haOnePerPod(e, clusterID, pods)
	if n := e.sim.Counters()["POST /v2/pods"]; n != posts {
		t.Errorf("%d creates during or after the storm, want 0", n-posts)
	}
	t.Logf("after the 429 storm: converged in %s", time.Since(stormEnd).Round(100*time.Millisecond))
}
