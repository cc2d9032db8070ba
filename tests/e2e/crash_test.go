package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// Scenario 8: the two places a create can break halfway. (a) The kubelet is
// killed right after RunPod made the pod, before the pod-id annotation is
// written: the next leader finds the RunPod pod by its deterministic name
// and adopts it. (b) RunPod makes the pod but answers 500: the kubelet must
// not create a second one.
func TestCrashPointsCreateNotDuplicated(t *testing.T) {
	e := newEnv(t, nil)
	a := e.startKubelet("replica-a")
	e.waitNodeReady()
	haWaitHolder(e, 30*time.Second, "replica-a", func(h string) bool { return h == "replica-a" })
	clusterID := haClusterID(e)

	// (a) SIGKILL the moment the RunPod pod exists.
	e.apply(haCPUPod("crash-a"))
	deadline := time.Now().Add(60 * time.Second)
	for len(e.sim.Pods()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no RunPod pod created; pod events:\n%s", e.events("crash-a"))
		}
		time.Sleep(time.Millisecond)
	}
	a.Stop(syscall.SIGKILL, 5*time.Second)
	rp := e.sim.Pods()[0]
	posts := e.sim.Counters()["POST /v2/pods"]
	p := e.pod("crash-a")
	annotatedBeforeKill := p.Annotations[podsync.AnnotationPodID] != ""
	t.Logf("killed replica-a after RunPod created %s (%d creates); annotation written before the kill: %v",
		rp.ID, posts, annotatedBeforeKill)
	if name, _ := policy.Name(clusterID, nodeName, string(p.UID)); rp.Name != name {
		t.Fatalf("RunPod pod %s is named %q, want %q", rp.ID, rp.Name, name)
	}

	restartAt := time.Now()
	e.startKubelet("replica-b")
	haWaitHolder(e, 30*time.Second, "replica-b", func(h string) bool { return h == "replica-b" })
	p = e.waitPod("crash-a", 60*time.Second, "Running and annotated", func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationPodID] != ""
	})
	t.Logf("crash-a Running with %s %s after %s", podsync.AnnotationPodID, p.Annotations[podsync.AnnotationPodID],
		time.Since(restartAt).Round(100*time.Millisecond))
	if got := p.Annotations[podsync.AnnotationPodID]; got != rp.ID {
		t.Errorf("crash-a annotated %q, want the RunPod pod created before the crash %q", got, rp.ID)
	}
	if n := e.sim.Counters()["POST /v2/pods"]; n != posts {
		t.Errorf("%d creates after the restart, want 0 (adopt by name)", n-posts)
	}
	if evs := e.events("crash-a"); !annotatedBeforeKill && !strings.Contains(evs, podsync.EventAdopted) {
		t.Errorf("no %s Event on crash-a; events:\n%s", podsync.EventAdopted, evs)
	}
	haOnePerPod(e, clusterID, haAnnotated(e, 1, 30*time.Second))

	// (b) The next create succeeds on RunPod but answers 500.
	e.sim.SetFaults(simulator.Faults{CreateThen500: 1})
	posts = e.sim.Counters()["POST /v2/pods"]
	e.apply(haCPUPod("crash-b"))
	p = e.waitPod("crash-b", 90*time.Second, "Running and annotated", func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationPodID] != ""
	})
	if left := e.sim.CurrentFaults().CreateThen500; left != 0 {
		t.Errorf("the create-then-500 fault was not hit (%d left)", left)
	}
	name, _ := policy.Name(clusterID, nodeName, string(p.UID))
	var same []string
	for _, rp := range e.sim.Pods() {
		if rp.Name == name {
			same = append(same, rp.ID)
		}
	}
	if len(same) != 1 || same[0] != p.Annotations[podsync.AnnotationPodID] {
		t.Errorf("RunPod pods named %s: %v, want exactly the annotated %s", name, same, p.Annotations[podsync.AnnotationPodID])
	}
	t.Logf("crash-b: %d create(s) sent for it, RunPod pod %s; events:\n%s", e.sim.Counters()["POST /v2/pods"]-posts,
		p.Annotations[podsync.AnnotationPodID], e.events("crash-b"))
	time.Sleep(5 * time.Second) // a few more rounds: nothing else appears
	haOnePerPod(e, clusterID, haAllRunning(e, 2, 30*time.Second))
	if n := len(e.sim.Pods()); n != 2 {
		t.Errorf("RunPod has %d pods, want 2", n)
	}
}
