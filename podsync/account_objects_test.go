package podsync

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

const (
	routeSecretCreate   = "POST /v2/account/secrets"
	routeRegistryCreate = "POST /v2/registries"
)

// ownSecrets and ownRegistries are the simulator's objects of this node.
func (r *rig) ownSecrets() []string {
	var names []string
	for _, s := range r.sim.AccountSecrets() {
		if strings.HasPrefix(s.Name, policy.OwnedNamePrefix(testCluster, testNode)) {
			names = append(names, s.Name)
		}
	}
	return names
}

func (r *rig) ownRegistries() []runpodapi.Registry {
	var out []runpodapi.Registry
	for _, g := range r.sim.Registries() {
		if strings.HasPrefix(g.Name, policy.OwnedNamePrefix(testCluster, testNode)) {
			out = append(out, g)
		}
	}
	return out
}

// collectAfterDelete runs GC passes the way time would: past the listing
// interval, then past the grace the unused objects must wait out.
func (r *rig) collectAfterDelete() {
	for range 3 {
		r.advance(accountGCEvery*r.p.s.OrphanGrace + time.Second)
		r.rounds(2)
	}
}

func (r *rig) addSecret(s *corev1.Secret) {
	r.t.Helper()
	if _, err := r.kube.CoreV1().Secrets(s.Namespace).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
		r.t.Fatal(err)
	}
}

// secretEnvPod is stored with env from a Secret and handed over resolved, as
// virtual-kubelet resolves it.
func secretEnvPod(name string) (stored, resolved *corev1.Pod) {
	stored = shPod(name, corev1.RestartPolicyNever, `echo "password is $DB_PASSWORD"; sleep 600`)
	stored.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}}}
	resolved = stored.DeepCopy()
	resolved.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "DB_PASSWORD", Value: "hunter2"}}
	return stored, resolved
}

func TestSecretEnvTravelsAsAnAccountSecret(t *testing.T) {
	stored, resolved := secretEnvPod("app")
	stored2, resolved2 := secretEnvPod("app-2")
	db := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db", UID: "db-uid"},
		Data: map[string][]byte{"password": []byte("hunter2")}}
	r := newRig(t, nil, stored, stored2)
	r.addSecret(db)
	r.eventually("the informers", func() bool { _, err := r.secLister.Secrets("default").Get("db"); return err == nil })
	foreign, err := r.client.CreateAccountSecret(r.ctx, runpodapi.CreateAccountSecretRequest{Name: "team-b-token", Value: "x"})
	if err != nil {
		t.Fatal(err)
	}
	r.sim.ResetCounters()
	_ = r.p.CreatePod(r.ctx, resolved)
	_ = r.p.CreatePod(r.ctx, resolved2)
	r.eventually("both running", func() bool { return phaseOf(r, "app") == corev1.PodRunning && phaseOf(r, "app-2") == corev1.PodRunning })

	if own := r.ownSecrets(); len(own) != 1 {
		t.Fatalf("own account secrets %q, want one shared by both pods", own)
	}
	if n := r.count(routeSecretCreate); n > 2 {
		t.Errorf("%d account secret POSTs for one value, want at most one per pod", n)
	}
	for _, rp := range r.sim.Pods() {
		if v := rp.Env["DB_PASSWORD"]; v != runpodapi.SecretReference(r.ownSecrets()[0]) {
			t.Errorf("RunPod pod %s env DB_PASSWORD = %q, want the reference", rp.ID, v)
		}
		r.eventually("the value in the container's log", func() bool {
			return strings.Contains(strings.Join(r.sim.ContainerLog(rp.ID), "\n"), "password is hunter2")
		})
	}
	raw := listRaw(t, r)
	if strings.Contains(raw, "hunter2") {
		t.Error("GET /v2/pods shows the Secret's value")
	}

	// Deleting one pod keeps the secret its sibling uses; deleting both lets it go.
	for i, name := range []string{"app", "app-2"} {
		if err := r.p.DeletePod(r.ctx, forceDeleted(r.kubePod(name))); err != nil {
			t.Fatal(err)
		}
		r.deleteKubePod(name)
		r.collectAfterDelete()
		if want := 1 - i; len(r.ownSecrets()) != want {
			t.Fatalf("after deleting %s: own account secrets %q, want %d", name, r.ownSecrets(), want)
		}
	}
	names := map[string]bool{}
	for _, s := range r.sim.AccountSecrets() {
		names[s.Name] = true
	}
	if !names[foreign.Name] {
		t.Error("GC deleted an account secret that is not this node's")
	}
}

// listRaw is the body of GET /v2/pods as anyone holding the key reads it.
func listRaw(t *testing.T, r *rig) string {
	t.Helper()
	list, err := r.client.ListPods(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%+v", list.Pods)
}

func TestImagePullSecretBecomesARegistryCredential(t *testing.T) {
	const image = "registry.example.com/team/app:1"
	pods := []*corev1.Pod{shPod("web", corev1.RestartPolicyNever, "echo pulled; sleep 600"), shPod("web-2", corev1.RestartPolicyNever, "sleep 600")}
	for _, p := range pods {
		p.Spec.Containers[0].Image = image
		p.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "regcred"}}
	}
	r := newRig(t, nil, pods[0], pods[1])
	r.addSecret(pullSecret("regcred", "registry.example.com", "bot", "pat"))
	r.sim.SetPrivateImage("registry.example.com/team/app", "bot", "pat")
	r.eventually("the informers", func() bool { _, err := r.secLister.Secrets("default").Get("regcred"); return err == nil })
	for _, p := range pods {
		_ = r.p.CreatePod(r.ctx, p)
	}
	r.eventually("both running", func() bool { return phaseOf(r, "web") == corev1.PodRunning && phaseOf(r, "web-2") == corev1.PodRunning })
	regs := r.ownRegistries()
	if len(regs) != 1 || r.count(routeRegistryCreate) != 1 {
		t.Fatalf("own credentials %+v after %d POSTs, want one made once", regs, r.count(routeRegistryCreate))
	}
	for _, rp := range r.sim.Pods() {
		if rp.Registry == nil || *rp.Registry != regs[0].ID {
			t.Errorf("RunPod pod %s registry %v, want %s", rp.ID, rp.Registry, regs[0].ID)
		}
	}
	if !r.sawEvent(EventPlanned, "registry credential from imagePullSecret regcred") {
		t.Errorf("no plan Event names the credential: %v", r.events())
	}
	for _, p := range pods {
		if err := r.p.DeletePod(r.ctx, forceDeleted(r.kubePod(p.Name))); err != nil {
			t.Fatal(err)
		}
		r.deleteKubePod(p.Name)
	}
	r.collectAfterDelete()
	if regs := r.ownRegistries(); len(regs) != 0 {
		t.Errorf("credentials %+v are left after their pods went", regs)
	}
}

// A locked RunPod pod refuses its delete: the pod says so, the delete is
// tried again slowly (no back-off loop), and happens once it is unlocked.
func TestLockedPodIsNotDeletedInALoop(t *testing.T) {
	pod := gpuPod("locked", 1, nil)
	r := newRig(t, nil, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running", func() bool { return phaseOf(r, "locked") == corev1.PodRunning })
	id := r.sim.Pods()[0].ID
	if err := r.sim.SetLocked(id, true); err != nil {
		t.Fatal(err)
	}
	r.sim.ResetCounters()
	if err := r.p.DeletePod(r.ctx, forceDeleted(pod)); err != nil {
		t.Fatalf("DeletePod of a locked pod: %v, want the delete handed to the slow retry", err)
	}
	if !r.sawEvent(EventLocked, id, "locked") {
		t.Fatalf("no %s Event: %v", EventLocked, r.events())
	}
	if err := r.p.DeletePod(r.ctx, forceDeleted(pod)); err != nil { // virtual-kubelet calls again
		t.Fatal(err)
	}
	if n := r.count(routeDelete); n != 1 {
		t.Errorf("%d DELETEs after a second DeletePod, want 1: the deletes queue owns a locked pod", n)
	}
	r.deleteKubePod("locked")
	for range 5 { // GC and the deletes queue both see it, neither loops
		r.advance(10 * time.Second)
		r.rounds(2)
	}
	if n := r.count(routeDelete); n > 2 {
		t.Errorf("%d DELETEs of a locked pod in 50 s, want at most one a minute", n)
	}
	if len(r.sim.Pods()) != 1 {
		t.Fatal("the locked pod is gone")
	}
	if err := r.sim.SetLocked(id, false); err != nil {
		t.Fatal(err)
	}
	r.advance(lockedRetry)
	r.eventually("deleted once unlocked", func() bool { return len(r.sim.Pods()) == 0 })
}

// tooLarge answers every create as RunPod does above its body limit.
type tooLarge struct{ RunPod }

func (tooLarge) CreatePod(context.Context, runpodapi.CreatePodRequest) (*runpodapi.Pod, error) {
	return nil, &runpodapi.APIError{Op: "create pod", Status: 413, Title: "Request Entity Too Large"}
}

func TestA413RefusesThePodWithItsSize(t *testing.T) {
	pod := gpuPod("big", 1, nil)
	r := newRigWith(t, rigConfig{runpod: func(rp RunPod) RunPod { return tooLarge{rp} }}, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("refused", func() bool { return r.waitingReason("big") == ReasonRefused })
	if !r.sawEvent(EventRefused, "too large", "bytes, over its 102400-byte limit") {
		t.Errorf("no refusal giving the size: %v", r.events())
	}
}
