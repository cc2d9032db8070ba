package podsync

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

const routeGet = "GET /v2/pods/{id}"

// runningRig is a rig with n Running GPU pods named p0…p(n-1), aged past
// the young-pod grace.
func runningRig(t *testing.T, n int, cfg rigConfig) *rig {
	t.Helper()
	pods := make([]*corev1.Pod, n)
	for i := range pods {
		pods[i] = gpuPod("p"+string(rune('0'+i)), 1, nil)
	}
	r := newRigWith(t, cfg, pods...)
	for _, pod := range pods {
		_ = r.p.CreatePod(r.ctx, pod)
	}
	r.eventually("every pod Running", func() bool {
		for _, pod := range pods {
			if st, _ := r.status(pod.Name); st.Phase != corev1.PodRunning {
				return false
			}
		}
		return true
	})
	r.advance(2 * time.Minute) // past YoungPodGrace
	return r
}

func phaseOf(r *rig, name string) corev1.PodPhase {
	st, _ := r.status(name)
	return st.Phase
}

// A RunPod pod really gone is declared so only after the window of absence
// from complete listings and a 404 from GET; not one round earlier.
func TestMissingPodFailsOnlyWhenProvenGone(t *testing.T) {
	r := runningRig(t, 1, rigConfig{})
	id := r.sim.Pods()[0].ID
	if err := r.client.DeletePod(r.ctx, id); err != nil {
		t.Fatal(err)
	}
	r.rounds(5) // the clock starts; five lists in a row lack it
	r.advance(r.p.s.MissingWindow - time.Second)
	r.rounds(2)
	if ph := phaseOf(r, "p0"); ph != corev1.PodRunning {
		t.Fatalf("phase %s before the missing window passed, want Running", ph)
	}
	if n := r.count(routeGet); n != 0 {
		t.Errorf("%d GET /v2/pods/{id} before the window passed, want 0", n)
	}
	r.advance(2 * time.Second)
	r.rounds(2)
	if ph := phaseOf(r, "p0"); ph != corev1.PodFailed {
		t.Fatalf("phase %s after the window and a 404, want Failed", ph)
	}
	if n := r.count(routeGet); n != 1 {
		t.Errorf("%d GET /v2/pods/{id}, want exactly the one proof", n)
	}
	if !r.sawEvent(EventMissing, id, "404") {
		t.Errorf("no %s Event naming %s and the 404", EventMissing, id)
	}
}

// A listing that lags behind (or leaves a pod out) never kills it: past the
// window, GET finds the pod and its clock starts again.
func TestMissingFromListingsButAnsweringGETStaysRunning(t *testing.T) {
	r := runningRig(t, 1, rigConfig{})
	r.sim.SetFaults(simulator.Faults{ListLag: time.Hour}) // every pod left out of every listing
	r.rounds(3)
	r.advance(r.p.s.MissingWindow + time.Second)
	r.rounds(3)
	if ph := phaseOf(r, "p0"); ph != corev1.PodRunning {
		t.Fatalf("phase %s, want Running: GET /v2/pods/{id} finds the pod", ph)
	}
	if n := r.count(routeGet); n == 0 {
		t.Errorf("no GET /v2/pods/{id} proof was asked for")
	}
	r.sim.SetFaults(simulator.Faults{})
	r.rounds(2)
	var missing time.Time
	r.p.tr.with(func(m map[string]*tracked) { missing = m["default/p0"].missingSince })
	if !missing.IsZero() {
		t.Errorf("missing since %s after the pod was listed again, want the clock cleared", missing)
	}
}

// A young pod's absence does not count at all: a listing lagging a create
// by seconds starts no clock.
func TestYoungPodAbsenceStartsNoClock(t *testing.T) {
	pod := gpuPod("young", 1, nil)
	r := newRigWith(t, rigConfig{sim: func(o *simulator.Options) { o.ProvisioningDelay = time.Hour }}, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("created", func() bool { return len(r.sim.Pods()) == 1 })
	r.sim.SetFaults(simulator.Faults{ListLag: time.Hour})
	r.rounds(3)
	r.advance(r.p.s.YoungPodGrace / 2)
	r.rounds(3)
	r.p.tr.with(func(m map[string]*tracked) {
		if ms := m["default/young"].missingSince; !ms.IsZero() {
			t.Errorf("a young pod's absence started the missing clock at %s", ms)
		}
	})
}

// Three empty answers in a row (a wrong answer that decodes to zero pods)
// fail nothing: the listing is suspect, the node says so, no clock starts.
func TestEmptyListingsAreSuspectAndFailNothing(t *testing.T) {
	r := runningRig(t, 3, rigConfig{})
	r.sim.SetFaults(simulator.Faults{EmptyLists: 3})
	r.rounds(3)
	r.advance(r.p.s.MissingWindow / 2)
	r.rounds(3)
	for _, name := range []string{"p0", "p1", "p2"} {
		if ph := phaseOf(r, name); ph != corev1.PodRunning {
			t.Errorf("%s is %s after empty listings, want Running", name, ph)
		}
	}
	r.p.tr.with(func(m map[string]*tracked) {
		for k, tr := range m {
			if !tr.missingSince.IsZero() {
				t.Errorf("%s: a suspect listing started the missing clock", k)
			}
		}
	})
	got := r.health.listings()
	if !slices.Contains(got, "false "+ListingSuspect) || got[len(got)-1] != "true "+ListingComplete {
		t.Errorf("listing reports %v, want ListingSuspect, then ListingComplete again", got)
	}
	if !r.sawEvent(EventListingSuspect, "left out 3 of the 3") {
		t.Errorf("no %s Event on the node", EventListingSuspect)
	}
	if n := r.count(routeGet); n != 0 {
		t.Errorf("%d GET proofs during a suspect listing, want 0", n)
	}
}

// A listing that stops at a failed page decides nothing negative: no clock,
// no create, no orphan GC; what it holds still counts.
func TestIncompleteListingDecidesNothingNegative(t *testing.T) {
	pods := []*corev1.Pod{gpuPod("a", 1, nil), gpuPod("b", 1, nil), gpuPod("c", 1, nil)}
	r := newRigWith(t, rigConfig{sim: func(o *simulator.Options) { o.PageSize = 1 }}, pods...)
	for _, pod := range pods[:2] {
		_ = r.p.CreatePod(r.ctx, pod)
	}
	r.eventually("a and b Running", func() bool { return phaseOf(r, "a") == corev1.PodRunning && phaseOf(r, "b") == corev1.PodRunning })
	orphan := r.seedFor(gpuPod("orphan", 1, nil), testCluster, testNode)
	r.advance(time.Hour) // everything is old: only completeness holds decisions back
	creates, deletes := r.count(routeCreate), r.count(routeDelete)

	r.sim.SetFaults(simulator.Faults{FailPages: 1000})
	r.rounds(1) // the term's latest listing is incomplete now
	_ = r.p.CreatePod(r.ctx, pods[2])
	r.rounds(4)
	r.advance(r.p.s.MissingWindow + time.Second)
	r.rounds(4)
	if ph := phaseOf(r, "b"); ph != corev1.PodRunning {
		t.Errorf("b (on page 2) is %s after incomplete listings, want Running", ph)
	}
	if n := r.count(routeCreate) - creates; n != 0 {
		t.Errorf("%d creates from incomplete listings, want 0 (\"not found\" needs every page)", n)
	}
	if n := r.count(routeDelete) - deletes; n != 0 {
		t.Errorf("%d deletes from incomplete listings, want 0 (orphan %s lives on page 3)", n, orphan.ID)
	}
	if got := r.health.listings(); got[len(got)-1] != "false "+ListingIncomplete {
		t.Errorf("last listing report %q, want ListingIncomplete", got[len(got)-1])
	}

	r.sim.SetFaults(simulator.Faults{})
	r.eventually("c Running, the orphan gone", func() bool {
		_, orphanLives := r.sim.Pod(orphan.ID)
		return phaseOf(r, "c") == corev1.PodRunning && !orphanLives
	})
	if ph := phaseOf(r, "b"); ph != corev1.PodRunning {
		t.Errorf("b is %s once listings are complete again, want Running", ph)
	}
}

func TestGetPodsHidesEnvValues(t *testing.T) {
	pod := gpuPod("secretive", 1, nil)
	pod.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "TOKEN", Value: "s3cr3t-from-a-secret"}}
	r := newRig(t, nil, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	pods, _ := r.p.GetPods(r.ctx)
	for _, p := range pods {
		for _, c := range p.Spec.Containers {
			if len(c.Env) > 0 || len(c.EnvFrom) > 0 {
				t.Errorf("GetPods (/runningpods/) returns env of %s: %v", p.Name, c.Env)
			}
		}
	}
	got, _ := r.p.GetPod(r.ctx, "default", "secretive")
	if got == nil || !strings.Contains(got.Spec.Containers[0].Env[0].Value, "s3cr3t") {
		t.Errorf("GetPod (internal) lost the env: %+v", got)
	}
}
