package e2e

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/node"
	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// Scenario 12: a tenant in namespace team-b writes the RunPod id of another
// pod into its own pod's runpod.io/pod-id (plus a refused annotation, so
// nothing of its own is made). Neither its logs, a failover nor its delete
// ever reaches the victim's RunPod pod.
func TestForgedPodIDNeverActsOnAnotherPod(t *testing.T) {
	t.Parallel() // no latency assertion: safe beside another scenario
	e := newEnv(t, nil)
	a := e.startKubelet("replica-a")
	e.waitNodeReady()
	haWaitHolder(e, 30*time.Second, "replica-a", func(h string) bool { return h == "replica-a" })
	e.c.Kubectl(t, "create", "namespace", "team-b")
	e.apply(haCPUPod("victim"))
	victim := e.waitPod("victim", 60*time.Second, "Running and annotated", func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationPodID] != ""
	})
	victimID := victim.Annotations[podsync.AnnotationPodID]

	e.apply(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: forged
  namespace: team-b
  annotations:
    %s: %q
    runpod.io/min-cuda-version: "12.4"
spec:
  restartPolicy: Never
%s  containers:
    - name: main
      image: busybox:1.36
`, podsync.AnnotationPodID, victimID, placement("  ")))
	forgedWarned := func(what string) {
		t.Helper()
		e.eventually(30*time.Second, "a "+podsync.EventForeignPodID+" Warning on the forged pod "+what, func() (bool, string) {
			evs := e.eventsIn("team-b", "forged")
			return strings.Contains(evs, podsync.EventForeignPodID+": ignoring annotation "+podsync.AnnotationPodID+"="+victimID), evs
		})
	}
	forgedWarned("at create")
	noLogs := func(when string) {
		t.Helper()
		out, stderr, err := e.c.TryKubectl(t, "logs", "-n", "team-b", "forged", "--tail", "3")
		if err == nil || strings.Contains(out, "step") {
			t.Errorf("%s: kubectl logs of the forged pod = %q (err %v): the victim's logs", when, out, err)
		}
		t.Logf("%s: kubectl logs of the forged pod: %s", when, strings.TrimSpace(stderr))
	}
	noLogs("before the failover")

	// A failover: the new leader's Rebuild meets the forged annotation.
	a.Stop(syscall.SIGKILL, 5*time.Second)
	b := e.startKubelet("replica-b")
	haWaitHolder(e, 30*time.Second, "replica-b", func(h string) bool { return h == "replica-b" })
	e.eventually(30*time.Second, "replica-b to rebuild", func() (bool, string) { return haLogHas(b, "pod cache rebuilt"), "" })
	if !haLogHas(b, "ignoring a runpod.io/pod-id this pod does not own") {
		t.Errorf("replica-b adopted the forged id at Rebuild; its log:\n%s", b.Tail(30))
	}
	noLogs("after the failover")

	e.c.Kubectl(t, "delete", "pod", "-n", "team-b", "forged", "--wait=true", "--timeout=60s")
	time.Sleep(3 * time.Second) // a round or two after the delete
	if rp, ok := e.sim.Pod(victimID); !ok || rp.Status == "TERMINATED" {
		t.Fatalf("the victim's RunPod pod %s is gone after the forged pod was deleted", victimID)
	}
	if n := e.sim.Counters()["DELETE /v2/pods/{id}"]; n != 0 {
		t.Errorf("%d DELETEs, want none", n)
	}
	if p := e.pod("victim"); p == nil || !running(p) {
		t.Errorf("the victim is not Running: %+v", p)
	}
}

// Scenario 13: RunPod's listing lags behind creates, pages, answers empty
// and loses pages; nothing healthy is failed, nothing is created twice, an
// orphan on the last page is collected, and a RunPod pod really gone is
// declared so only after the window and a 404.
func TestLaggingEmptyAndPagedListingsKillNothing(t *testing.T) {
	t.Parallel() // no latency assertion: safe beside another scenario
	const pods = 5
	e := newEnv(t, func(o *simulator.Options) { o.PageSize = 2 })
	e.startKubelet("replica-a", "MISSING_POD_WINDOW=10s", "ORPHAN_GRACE=5s")
	e.waitNodeReady()
	clusterID := haClusterID(e)

	// New pods stay out of every listing for 4 s.
	e.sim.SetFaults(simulator.Faults{ListLag: 4 * time.Second})
	e.apply(haCPUPodList("paged", pods))
	haAllRunning(e, pods, 90*time.Second)
	e.sim.SetFaults(simulator.Faults{})
	if n := e.sim.Counters()["POST /v2/pods"]; n != pods {
		t.Errorf("%d creates for %d pods behind a lagging listing, want one each", n, pods)
	}

	// An orphan made after them lives on the last page (2 pods a page):
	// collected after its 5 s grace.
	orphan := haSeed(t, e.sim, clusterID, "0b5e55ed-0000-4000-8000-000000000001", "ghost")
	seededAt := time.Now()
	e.eventually(30*time.Second, "the orphan on the last page to be collected", func() (bool, string) {
		_, ok := e.sim.Pod(orphan.ID)
		return !ok, ""
	})
	t.Logf("orphan on page 3 deleted %s after it was made (grace 5s)", time.Since(seededAt).Round(100*time.Millisecond))

	// Four empty answers, then five failed second pages in a row (the client
	// retries a page four times): suspect, then incomplete; nobody fails.
	seen := map[string]bool{}
	watchListing := func(what string, left func(simulator.Faults) int) {
		t.Helper()
		e.eventually(60*time.Second, what+" to be used up", func() (bool, string) {
			c, _ := haNodeCondition(e, node.ConditionRunPodListing)
			seen[c.Reason] = true
			haNoneFailed(e, what)
			return left(e.sim.CurrentFaults()) == 0, c.Reason
		})
	}
	e.sim.SetFaults(simulator.Faults{EmptyLists: 4})
	watchListing("empty listings", func(f simulator.Faults) int { return f.EmptyLists })
	e.sim.SetFaults(simulator.Faults{FailPages: 10})
	watchListing("failing pages", func(f simulator.Faults) int { return f.FailPages })
	e.eventually(30*time.Second, "RunPodListing True again", func() (bool, string) {
		c, _ := haNodeCondition(e, node.ConditionRunPodListing)
		seen[c.Reason] = true
		return c.Status == corev1.ConditionTrue, c.Reason + ": " + c.Message
	})
	if !seen[podsync.ListingSuspect] || !seen[podsync.ListingIncomplete] {
		t.Errorf("RunPodListing reasons seen %v, want %s and %s", seen, podsync.ListingSuspect, podsync.ListingIncomplete)
	}
	if evs := e.events(nodeName); !strings.Contains(evs, podsync.EventListingSuspect) {
		t.Errorf("no %s Event on the node; node events:\n%s", podsync.EventListingSuspect, evs)
	}

	all := haAnnotated(e, pods, 30*time.Second)
	haOnePerPod(e, clusterID, all)

	// Really gone: the RunPod pod is deleted behind the kubelet's back.
	gone := all[0]
	if err := e.rp.DeletePod(context.Background(), gone.Annotations[podsync.AnnotationPodID]); err != nil {
		t.Fatal(err)
	}
	deletedAt := time.Now()
	p := e.waitPod(gone.Name, 90*time.Second, "Failed as gone", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	took := time.Since(deletedAt)
	t.Logf("%s Failed %s after its RunPod pod was deleted (window 10s): %s", gone.Name, took.Round(100*time.Millisecond), p.Status.Message)
	if p.Status.Reason != podsync.StatusReasonRunPodPodMissing || took < 10*time.Second {
		t.Errorf("%s: reason %q after %s, want %s no sooner than the 10 s window", gone.Name, p.Status.Reason, took, podsync.StatusReasonRunPodPodMissing)
	}
	if evs := e.events(gone.Name); !strings.Contains(evs, "answers 404") {
		t.Errorf("no Event says GET answered 404:\n%s", evs)
	}
	for _, q := range haSuitePods(e) {
		if q.Name != gone.Name && q.Status.Phase != corev1.PodRunning {
			t.Errorf("%s is %s, want Running", q.Name, q.Status.Phase)
		}
	}
}

// Scenario 14: a create is in flight when the leader goes. (a) SIGKILL: the
// POST lands 8 s later, after the standby took over; the standby holds the
// pod's create back for the create bound and then adopts what landed. (b)
// SIGTERM: the leader keeps the Lease until its POST is answered, then hands
// over. Either way there is exactly one RunPod pod.
func TestHandoverDuringCreateMakesNoDuplicate(t *testing.T) {
	e := newEnv(t, nil)
	replicas := map[string]*kubelet{"replica-a": e.startKubelet("replica-a"), "replica-b": e.startKubelet("replica-b")}
	e.waitNodeReady()
	leaderName, _ := haWaitHolder(e, 30*time.Second, "one of the replicas", func(h string) bool { return replicas[h] != nil })
	standbyName := map[string]string{"replica-a": "replica-b", "replica-b": "replica-a"}[leaderName]
	clusterID := haClusterID(e)
	awaitPOST := func(after int64) {
		t.Helper()
		e.eventually(30*time.Second, "the create POST to reach RunPod", func() (bool, string) {
			return e.sim.Counters()["POST /v2/pods"] > after, ""
		})
	}

	// (a) SIGKILL with the POST in flight.
	e.sim.SetFaults(simulator.Faults{SlowCreate: 8 * time.Second})
	e.apply(haCPUPod("inflight-a"))
	awaitPOST(0)
	killedAt := time.Now()
	replicas[leaderName].Stop(syscall.SIGKILL, 5*time.Second)
	haWaitHolder(e, 30*time.Second, standbyName, func(h string) bool { return h == standbyName })
	e.sim.SetFaults(simulator.Faults{}) // the held POST still lands 8 s after it arrived
	p := e.waitPod("inflight-a", 90*time.Second, "Running and annotated", func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationPodID] != ""
	})
	t.Logf("(a) inflight-a Running %s after the SIGKILL; events:\n%s", time.Since(killedAt).Round(100*time.Millisecond), e.events("inflight-a"))
	haOnePerPod(e, clusterID, []corev1.Pod{*p})
	if n := e.sim.Counters()["POST /v2/pods"]; n != 1 {
		t.Errorf("(a) %d creates, want only the old leader's", n)
	}
	if !e.plHasEvent("inflight-a", podsync.EventHandoverHold) {
		t.Errorf("(a) no %s Event", podsync.EventHandoverHold)
	}

	// (b) SIGTERM with the POST in flight.
	c := e.startKubelet("replica-c")
	e.eventually(30*time.Second, "replica-c to stand by", func() (bool, string) { return haLogHas(c, "standing by"), "" })
	posts := e.sim.Counters()["POST /v2/pods"]
	e.sim.SetFaults(simulator.Faults{SlowCreate: 4 * time.Second})
	e.apply(haCPUPod("inflight-b"))
	awaitPOST(posts)
	termAt := time.Now()
	done := make(chan struct{})
	go func() { replicas[standbyName].Stop(syscall.SIGTERM, 45*time.Second); close(done) }()
	haWaitHolder(e, 45*time.Second, "replica-c", func(h string) bool { return h == "replica-c" })
	handover := time.Since(termAt)
	landed := false
	for _, rp := range e.sim.Pods() {
		landed = landed || strings.HasSuffix(rp.Env["RUNPOD_KUBELET_POD_NAME"], "inflight-b")
	}
	if !landed {
		t.Errorf("(b) replica-c took the Lease %s after the SIGTERM, before the POST in flight landed", handover.Round(100*time.Millisecond))
	}
	<-done
	e.sim.SetFaults(simulator.Faults{})
	t.Logf("(b) handover %s after the SIGTERM with a 4 s create in flight", handover.Round(100*time.Millisecond))
	e.waitPod("inflight-b", 60*time.Second, "Running and annotated", func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationPodID] != ""
	})
	haOnePerPod(e, clusterID, haAnnotated(e, 2, 30*time.Second))
	if n := e.sim.Counters()["POST /v2/pods"]; n != posts+1 {
		t.Errorf("(b) %d creates for inflight-b, want 1", n-posts)
	}
}
