package podsync

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// shPod is a CPU pod running `sh -c script` under the wrapper.
func shPod(name string, policy corev1.RestartPolicy, script string) *corev1.Pod {
	pod := gpuPod(name, 0, nil)
	pod.Spec.RestartPolicy = policy
	pod.Spec.Containers[0].Command = []string{"sh", "-c", script}
	return pod
}

func terminatedOf(st corev1.PodStatus) *corev1.ContainerStateTerminated {
	if len(st.ContainerStatuses) == 0 {
		return nil
	}
	return st.ContainerStatuses[0].State.Terminated
}

func TestTheExitCodeDecides(t *testing.T) {
	tests := []struct {
		policy    corev1.RestartPolicy
		script    string
		phase     corev1.PodPhase
		code      int32
		restarted bool
	}{
		{corev1.RestartPolicyNever, "echo training; exit 3", corev1.PodFailed, 3, false},
		{corev1.RestartPolicyNever, "echo done", corev1.PodSucceeded, 0, false},
		{corev1.RestartPolicyOnFailure, "echo done", corev1.PodSucceeded, 0, false},
		{corev1.RestartPolicyOnFailure, "exit 2", corev1.PodRunning, 0, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy)+" "+tt.script, func(t *testing.T) {
			pod := shPod("job", tt.policy, tt.script)
			r := newRig(t, nil, pod)
			_ = r.p.CreatePod(r.ctx, pod)
			if tt.restarted {
				r.eventually("a restart", func() bool { return r.count(routeAction) >= 1 })
				st, _ := r.status("job")
				if lt := st.ContainerStatuses[0].LastTerminationState.Terminated; lt == nil || lt.ExitCode != 2 {
					t.Errorf("last termination %+v, want exit code 2", lt)
				}
				return
			}
			r.eventually("the pod ends", func() bool { return phaseOf(r, "job") == tt.phase })
			if first := r.firstTerminal("job"); first != tt.phase {
				t.Errorf("the first terminal phase pushed was %s, want %s: Kubernetes keeps the first", first, tt.phase)
			}
			st, _ := r.status("job")
			if tr := terminatedOf(st); tr == nil || tr.ExitCode != tt.code {
				t.Errorf("terminated %+v, want exit code %d", tr, tt.code)
			}
			if n := r.count(routeAction); n != 0 {
				t.Errorf("%d actions for a pod that ends, want none", n)
			}
		})
	}
}

// An ended pod's stopped RunPod pod stays for its logs until the retention
// passes; then it is deleted and the logs say so.
func TestEndedPodKeepsItsRunPodPodForItsLogs(t *testing.T) {
	pod := shPod("report", corev1.RestartPolicyNever, "echo the answer is 42")
	r := newRig(t, func(s *Settings) { s.ExitedRetention = time.Hour }, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("Succeeded", func() bool { return phaseOf(r, "report") == corev1.PodSucceeded })
	r.rounds(3)
	if n := r.count(routeDelete); n != 0 || len(r.sim.Pods()) != 1 {
		t.Fatalf("%d DELETEs, %d RunPod pods: the ended pod's RunPod pod must stay for its logs", n, len(r.sim.Pods()))
	}
	logs := readLogs(t, r, "report")
	if !strings.Contains(logs, "the answer is 42") || strings.Contains(logs, "runpod-kubelet: exit status") {
		t.Errorf("logs after the end %q, want the command's line without the wrapper's", logs)
	}
	r.advance(time.Hour + time.Second)
	r.eventually("the RunPod pod deleted after the retention", func() bool { return len(r.sim.Pods()) == 0 })
	r.eventually("the logs gone, said plainly", func() bool {
		_, err := r.p.GetContainerLogs(r.ctx, "default", "report", "", api.ContainerLogOpts{})
		return err != nil && strings.Contains(err.Error(), "no longer holds the logs")
	})
}

func readLogs(t *testing.T, r *rig, name string) string {
	t.Helper()
	rc, err := r.p.GetContainerLogs(r.ctx, "default", name, "", api.ContainerLogOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

// Deleting a running pod stops it first: its TERM trap runs, and only then
// is the RunPod pod deleted.
func TestDeleteStopsTheCommandFirst(t *testing.T) {
	pod := shPod("trainer", corev1.RestartPolicyNever, "trap 'echo caught SIGTERM; exit 0' TERM; while :; do sleep 1; done")
	pod.Spec.TerminationGracePeriodSeconds = new(int64(30))
	r := newRig(t, nil, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running", func() bool { return phaseOf(r, "trainer") == corev1.PodRunning })
	id := r.sim.Pods()[0].ID
	if err := r.p.DeletePod(r.ctx, pod); err != nil {
		t.Fatal(err)
	}
	r.eventually("the RunPod pod deleted after the stop", func() bool { _, ok := r.sim.Pod(id); return !ok })
	if a, d := r.count(routeAction), r.count(routeDelete); a != 1 || d != 1 {
		t.Errorf("%d actions and %d DELETEs, want one stop and then one DELETE", a, d)
	}
	if !r.sawEvent(EventStopping, id) {
		t.Errorf("no %s Event", EventStopping)
	}
	if log := strings.Join(r.sim.ContainerLog(id), "\n"); !strings.Contains(log, "caught SIGTERM") {
		t.Errorf("the command's log has no trace of SIGTERM:\n%s", log)
	}
}

// A changed image is PATCHed; the container restarts and reports the image
// RunPod runs.
func TestImageUpdateIsPatched(t *testing.T) {
	pod := shPod("web", corev1.RestartPolicyAlways, "while :; do sleep 1; done")
	r := newRigWith(t, rigConfig{writeStatus: true}, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running", func() bool { return phaseOf(r, "web") == corev1.PodRunning })
	id := r.sim.Pods()[0].ID
	updated := pod.DeepCopy()
	updated.Spec.Containers[0].Image = "runpod/pytorch:2.5.0"
	_ = r.p.UpdatePod(r.ctx, updated)
	r.eventually("RunPod runs the new image and the status says so", func() bool {
		rp, _ := r.sim.Pod(id)
		st, _ := r.status("web")
		cs := st.ContainerStatuses[0]
		return rp.Image == "runpod/pytorch:2.5.0" && cs.Image == rp.Image && cs.RestartCount == 1 && st.Phase == corev1.PodRunning
	})
	if n := r.count("PATCH /v2/pods/{id}"); n != 1 {
		t.Errorf("%d PATCHes, want 1", n)
	}
}

func TestActiveDeadlineEndsThePod(t *testing.T) {
	pod := shPod("slow", corev1.RestartPolicyNever, "sleep infinity")
	pod.Spec.ActiveDeadlineSeconds = new(int64(60))
	r := newRigWith(t, rigConfig{writeStatus: true}, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running with a start time", func() bool {
		cur := r.kubePod("slow")
		return cur.Status.StartTime != nil && cur.Status.Phase == corev1.PodRunning
	})
	r.advance(61 * time.Second)
	r.eventually("Failed, DeadlineExceeded", func() bool {
		st, _ := r.status("slow")
		return st.Phase == corev1.PodFailed && st.Reason == StatusReasonDeadlineExceeded
	})
	r.eventually("the RunPod pod terminated", func() bool { return len(r.sim.Pods()) == 0 })
}

// A ConfigMap file reaches the command; a PVC is refused without a RunPod call.
func TestVolumesAreMaterialisedOrRefused(t *testing.T) {
	withFile := shPod("reader", corev1.RestartPolicyNever, "cat /etc/app/app.conf")
	withFile.Spec.Volumes = []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "app"}}}}}
	withFile.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "cfg", MountPath: "/etc/app"}}
	withPVC := shPod("claims", corev1.RestartPolicyNever, "true")
	withPVC.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "d"}}}}
	withPVC.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	r := newRig(t, func(s *Settings) { s.ExitedRetention = time.Hour }, withFile, withPVC)
	if _, err := r.kube.CoreV1().ConfigMaps("default").Create(r.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app"},
		Data: map[string]string{"app.conf": "threads = 4"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r.eventually("the informer", func() bool { _, err := r.cmLister.ConfigMaps("default").Get("app"); return err == nil })
	_ = r.p.CreatePod(r.ctx, withPVC)
	r.eventually("the PVC pod refused", func() bool { return r.waitingReason("claims") == ReasonRefused })
	if n := r.count(routeCreate); n != 0 {
		t.Fatalf("%d creates for a refused pod", n)
	}
	_ = r.p.CreatePod(r.ctx, withFile)
	r.eventually("Succeeded", func() bool { return phaseOf(r, "reader") == corev1.PodSucceeded })
	if logs := readLogs(t, r, "reader"); !strings.Contains(logs, "threads = 4") {
		t.Errorf("the command read %q, want the ConfigMap's file", logs)
	}
}

// The log read that learns a stopped container's exit status decides the
// pod at once: no further RunPod read (and no round) is needed to end it.
func TestExitStatusReadEndsThePodWithoutAnotherRead(t *testing.T) {
	pod := shPod("job", corev1.RestartPolicyNever, "echo done; exit 4")
	r := newRig(t, nil, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	reading := func() bool {
		var yes bool
		r.p.tr.get("default/job", func(t *tracked) { yes = t.exitReading || t.exit != nil })
		return yes
	}
	r.eventually("a round sees the container stopped", reading)
	reads := r.count(routeList) + r.count(routeGet)
	deadline := time.Now().Add(10 * time.Second) // a plain wait: eventually would run rounds
	for phaseOf(r, "job") != corev1.PodFailed {
		if time.Now().After(deadline) {
			t.Fatalf("the pod is %s after its exit status was read, want Failed without another read", phaseOf(r, "job"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := r.count(routeList) + r.count(routeGet); n != reads {
		t.Errorf("%d RunPod reads after the exit read was queued, want 0", n-reads)
	}
	if st, _ := r.status("job"); terminatedOf(st) == nil || terminatedOf(st).ExitCode != 4 {
		t.Errorf("terminated %+v, want exit code 4", terminatedOf(st))
	}
}
