package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
)

// plH100Pod asks for one "H100" as people type it, with a data loader's
// host needs: 20 CPUs and 200Gi, more than an H100 PCIe host has per GPU.
var plH100Pod = gpuPod("h100", 1, map[string]string{"runpod.io/gpu-type-ids": "H100"}, `        requests:
          cpu: "20"
          memory: 200Gi
      command: ["sh", "-c", "echo on an H100; sleep 3600"]
`)

// plPrivatePod runs a private image with its imagePullSecret and takes a
// database password from a Secret.
var plPrivatePod = `apiVersion: v1
kind: Pod
metadata:
  name: private
spec:
  restartPolicy: Never
` + placement("  ") + `  imagePullSecrets:
    - name: regcred
  containers:
    - name: main
      image: registry.example.com/team/app:1
      command: ["sh", "-c", "echo password is $DB_PASSWORD; sleep 3600"]
      env:
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef:
              name: db
              key: password
`

// Scenario 17: placement as people ask for it. A pod asking `H100` with 20
// CPUs and 200Gi lands on the H100 type whose hosts have that per GPU (the
// cheaper H100 PCIe hosts are refused by RunPod's filter). A private image
// gets a registry credential from its imagePullSecret (RunPod denies the pull
// without it); a Secret's value reaches the container but never GET /v2/pods.
// After the pod, its credential and account secret are collected; a RunPod
// pod someone locked outlives its pod until it is unlocked.
func TestPlacementAsPeopleAskForIt(t *testing.T) {
	t.Parallel() // no latency assertion: safe beside another scenario
	e := newEnv(t, nil)
	e.sim.SetPrivateImage("registry.example.com/team/app", "bot", "pat-1")
	e.startKubelet("replica-a", "ORPHAN_GRACE=5s")
	e.waitNodeReady()

	e.apply(plH100Pod)
	h := e.waitPod("h100", 60*time.Second, "Running and annotated", func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationPodID] != ""
	})
	rp, _ := e.sim.Pod(h.Annotations[podsync.AnnotationPodID])
	if rp.Gpu == nil || !strings.HasPrefix(rp.Gpu.ID, "NVIDIA H100") || rp.Gpu.VcpuCount < 20 || rp.Gpu.Memory < 200 {
		t.Errorf("the H100 pod runs on %+v, want an H100 type with ≥ 20 vCPUs and ≥ 200 GB", rp.Gpu)
	}
	e.plWaitEvent("h100", corev1.EventTypeNormal, podsync.EventPlanned, 10*time.Second, "hosts with ≥ 20 vCPUs and ≥ 200 GB RAM per GPU")

	auth, _ := json.Marshal(map[string]any{"auths": map[string]any{"registry.example.com": map[string]string{"username": "bot", "password": "pat-1"}}})
	secrets := []*corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Name: "regcred"}, Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: auth}},
		{ObjectMeta: metav1.ObjectMeta{Name: "db"}, Data: map[string][]byte{"password": []byte("hunter2-e2e")}},
	}
	for _, s := range secrets {
		if _, err := e.kube.CoreV1().Secrets(ns).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	e.apply(plPrivatePod)
	p := e.waitPod("private", 60*time.Second, "Running and annotated", func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationPodID] != ""
	})
	id := p.Annotations[podsync.AnnotationPodID]
	rp, _ = e.sim.Pod(id)
	regs := e.sim.Registries()
	if len(regs) != 1 || rp.Registry == nil || *rp.Registry != regs[0].ID || !strings.HasPrefix(regs[0].Name, "rpk-") {
		t.Errorf("registry credentials %+v, pod registry %v: want one made from regcred, named by the pod", regs, rp.Registry)
	}
	e.eventually(30*time.Second, "the Secret's value in the container's log", func() (bool, string) {
		logs := e.c.Kubectl(t, "logs", "private")
		return strings.Contains(logs, "password is hunter2-e2e"), logs
	})
	if body := plRawList(t, e); strings.Contains(body, "hunter2-e2e") || !strings.Contains(body, "RUNPOD_SECRET_rpk-") {
		t.Errorf("GET /v2/pods shows the Secret's value, or no account secret reference:\n%.2000s", body)
	}
	if n := len(e.sim.AccountSecrets()); n != 1 {
		t.Errorf("%d account secrets, want the password's one", n)
	}

	// Someone locked the H100 pod in RunPod: its delete is refused and said
	// so, and GC leaves it alone until it is unlocked.
	hid := h.Annotations[podsync.AnnotationPodID]
	if err := e.sim.SetLocked(hid, true); err != nil {
		t.Fatal(err)
	}
	e.c.Kubectl(t, "delete", "pod", "private", "h100", "--wait=true", "--timeout=60s")
	e.plWaitRunPodGone(id, 30*time.Second)
	e.plWaitEvent("h100", corev1.EventTypeWarning, podsync.EventLocked, 30*time.Second, hid, "locked")
	time.Sleep(6 * time.Second) // past ORPHAN_GRACE: orphan GC must leave a locked pod alone
	if rp, ok := e.sim.Pod(hid); !ok || rp.Status == "TERMINATED" {
		t.Fatal("the locked RunPod pod was deleted") // (the DELETE count per pod is bounded in podsync's test)
	}
	if err := e.sim.SetLocked(hid, false); err != nil {
		t.Fatal(err)
	}
	e.plWaitRunPodGone(hid, 30*time.Second) // unlocked: orphan GC ends it
	e.eventually(90*time.Second, "the credential and the account secret collected", func() (bool, string) {
		regs, secs := e.sim.Registries(), e.sim.AccountSecrets()
		return len(regs) == 0 && len(secs) == 0, fmt.Sprintf("registries %+v, secrets %+v", regs, secs)
	})
}

// plRawList is GET /v2/pods as anyone holding the API key reads it.
func plRawList(t *testing.T, e *env) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.sim.URL+"/v2/pods", nil)
	req.Header.Set("Authorization", "Bearer "+simKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
