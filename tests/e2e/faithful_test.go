package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/tests/ociregistry"
)

// cmdJob is a Job of one CPU pod running command under restartPolicy Never
// and backoffLimit 0, with extra lines for its pod spec and its container.
func cmdJob(name, image, command, podExtra, containerExtra string) string {
	return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata:
  name: %s
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
%s%s      containers:
        - name: main
          image: %s
%s%s`, name, placement("      "), podExtra, image, command, containerExtra)
}

// jobPod waits for the Job's one pod and returns its name.
func (e *env) jobPod(job string) string {
	e.t.Helper()
	var pod string
	e.eventually(60*time.Second, "the pod of Job "+job, func() (bool, string) {
		list, err := e.kube.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "job-name=" + job})
		if err != nil || len(list.Items) != 1 {
			return false, fmt.Sprintf("%d pods, err %v", len(list.Items), err)
		}
		pod = list.Items[0].Name
		return true, ""
	})
	return pod
}

// waitJob waits until the Job has the condition (Complete or Failed).
func (e *env) waitJob(job string, cond batchv1.JobConditionType) {
	e.t.Helper()
	e.eventually(90*time.Second, "Job "+job+" "+string(cond), func() (bool, string) {
		j, err := e.kube.BatchV1().Jobs(ns).Get(context.Background(), job, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range j.Status.Conditions {
			if c.Type == cond && c.Status == corev1.ConditionTrue {
				return true, ""
			}
		}
		return false, fmt.Sprintf("conditions %+v", j.Status.Conditions)
	})
}

func terminated(p *corev1.Pod) *corev1.ContainerStateTerminated {
	if len(p.Status.ContainerStatuses) == 0 {
		return nil
	}
	return p.Status.ContainerStatuses[0].State.Terminated
}

// imageRegistry is a real OCI registry in this process (puller:s3cret)
// holding one image whose ENTRYPOINT and CMD say what runs; it returns the image.
func imageRegistry(t *testing.T, entrypoint, cmd []string) string {
	_, image := ociregistry.Private(t, "puller", "s3cret", "team/report:1", v1.Config{Entrypoint: entrypoint, Cmd: cmd})
	return image
}

// Scenario 15: Jobs end as their command did. One exits 3 (backoffLimit 0):
// the Job fails, its pod shows exit code 3, and its logs are still readable
// after the end; one exits 0: the Job completes. A third sets no command: its
// image's ENTRYPOINT and CMD come from a private registry (imagePullSecrets)
// and run under the wrapper.
func TestJobsEndWithTheirExitCode(t *testing.T) {
	t.Parallel() // no latency assertion: safe beside another scenario
	e := newEnv(t, nil)
	e.startKubelet("replica-a")
	e.waitNodeReady()
	image := imageRegistry(t, []string{"sh", "-c"}, []string{"echo report from the image; exit 0"})
	e.sim.SetPrivateImage(strings.TrimSuffix(image, ":1"), "puller", "s3cret") // RunPod pulls it only with the credential
	auth, _ := json.Marshal(map[string]any{"auths": map[string]any{strings.Split(image, "/")[0]: map[string]string{"username": "puller", "password": "s3cret"}}})
	if _, err := e.kube.CoreV1().Secrets(ns).Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "regcred"},
		Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: auth}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	e.apply(cmdJob("crash", "busybox:1.36", `          command: ["sh", "-c", "echo epoch 1 loss 0.9; echo giving up; exit 3"]
`, "", ""))
	e.apply(cmdJob("fine", "busybox:1.36", `          command: ["sh", "-c", "echo all done"]
`, "", ""))
	e.apply(cmdJob("report", image, "", "      imagePullSecrets:\n        - name: regcred\n", ""))

	e.waitJob("crash", batchv1.JobFailed)
	crash := e.pod(e.jobPod("crash"))
	if tr := terminated(crash); crash.Status.Phase != corev1.PodFailed || tr == nil || tr.ExitCode != 3 || tr.Reason != "Error" {
		t.Errorf("crash pod: phase %s, terminated %+v; want Failed with exit code 3", crash.Status.Phase, tr)
	}
	logs := e.c.Kubectl(t, "logs", crash.Name)
	if !strings.Contains(logs, "giving up") || strings.Contains(logs, "runpod-kubelet: exit status") {
		t.Errorf("kubectl logs after the end:\n%s\nwant the command's lines (and not the wrapper's status line)", logs)
	}
	if rp, ok := e.sim.Pod(crash.Annotations[podsync.AnnotationPodID]); !ok || rp.Status != "EXITED" {
		t.Errorf("the crashed pod's RunPod pod is %+v, want it kept EXITED for its logs", rp)
	}

	e.waitJob("fine", batchv1.JobComplete)
	if fine := e.pod(e.jobPod("fine")); terminated(fine) == nil || terminated(fine).ExitCode != 0 || fine.Status.Phase != corev1.PodSucceeded {
		t.Errorf("fine pod: phase %s, terminated %+v; want Succeeded with exit code 0", fine.Status.Phase, terminated(fine))
	}

	e.waitJob("report", batchv1.JobComplete)
	report := e.pod(e.jobPod("report"))
	rp, _ := e.sim.Pod(report.Annotations[podsync.AnnotationPodID])
	if want := []string{"sh", "-c", "echo report from the image; exit 0"}; strings.Join(rp.Cmd, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("the report pod runs %q, want the image's ENTRYPOINT + CMD %q", rp.Cmd, want)
	}
	if logs := e.c.Kubectl(t, "logs", report.Name); !strings.Contains(logs, "report from the image") {
		t.Errorf("report logs:\n%s", logs)
	}

	// Deleting the ended pod deletes its kept RunPod pod; its logs are then gone, said plainly.
	id := crash.Annotations[podsync.AnnotationPodID]
	e.c.Kubectl(t, "delete", "job", "crash", "--cascade=foreground", "--wait=true", "--timeout=60s")
	e.plWaitRunPodGone(id, 30*time.Second)
}

// filesPod runs a command that prints a ConfigMap file and a Secret file,
// from workingDir, then waits for SIGTERM, which it traps.
const filesPod = `apiVersion: v1
kind: Pod
metadata:
  name: server
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 20
%s  volumes:
    - name: config
      configMap:
        name: app-config
    - name: token
      secret:
        secretName: app-token
        defaultMode: 0400
    - name: scratch
      emptyDir: {}
  containers:
    - name: main
      image: busybox:1.36
      workingDir: /srv/app
      command: ["sh", "-c", "pwd; cat /etc/app/app.conf /run/token/token; echo; trap 'echo caught SIGTERM, saving checkpoint; exit 0' TERM; while :; do sleep 1; done"]
      volumeMounts:
        - name: config
          mountPath: /etc/app
        - name: token
          mountPath: /run/token
        - name: scratch
          mountPath: /scratch
`

// Scenario 16: a pod's files, workingDir, image update and graceful stop.
// The command reads a ConfigMap file and a Secret file from workingDir;
// `kubectl set image` makes RunPod run the new image, and the status never
// claims an image RunPod does not run; deleting the pod sends the command
// SIGTERM, which it sees before its RunPod pod goes. A PVC pod is refused
// without a RunPod call, and activeDeadlineSeconds ends a pod Failed.
func TestFilesUpdatesAndGracefulStop(t *testing.T) {
	t.Parallel() // no latency assertion: safe beside another scenario
	e := newEnv(t, nil)
	e.startKubelet("replica-a")
	e.waitNodeReady()
	e.c.Kubectl(t, "create", "configmap", "app-config", "--from-literal=app.conf=threads = 4")
	e.c.Kubectl(t, "create", "secret", "generic", "app-token", "--from-literal=token=t0k3n")
	e.apply(fmt.Sprintf(filesPod, placement("  ")))
	p := e.waitPod("server", 60*time.Second, "Running and annotated", func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationPodID] != ""
	})
	id := p.Annotations[podsync.AnnotationPodID]
	e.eventually(30*time.Second, "the files in the log", func() (bool, string) {
		logs := e.c.Kubectl(t, "logs", "server")
		return strings.Contains(logs, "/srv/app") && strings.Contains(logs, "threads = 4") && strings.Contains(logs, "t0k3n"), logs
	})
	if body := plRawList(t, e); strings.Contains(body, "t0k3n") {
		t.Error("GET /v2/pods shows the Secret file's content; it must travel as an account secret")
	}

	// A new image: RunPod restarts the pod with it; the status follows RunPod.
	e.c.Kubectl(t, "set", "image", "pod/server", "main=busybox:1.37")
	e.eventually(30*time.Second, "RunPod to run busybox:1.37 and the pod to say so", func() (bool, string) {
		rp, _ := e.sim.Pod(id)
		cur := e.pod("server")
		cs := cur.Status.ContainerStatuses[0]
		if cs.Image != rp.Image && cs.Image != "busybox:1.36" {
			t.Errorf("status image %q while RunPod runs %q", cs.Image, rp.Image)
		}
		return rp.Image == "busybox:1.37" && cs.Image == "busybox:1.37" && cs.RestartCount == 1 && cs.State.Running != nil,
			fmt.Sprintf("RunPod %s, status %s restarts %d", rp.Image, cs.Image, cs.RestartCount)
	})
	// The restarted command has printed its files again, so its trap is set.
	e.eventually(30*time.Second, "the restarted command to run", func() (bool, string) {
		logs := strings.Join(e.sim.ContainerLog(id), "\n")
		return strings.Count(logs, "threads = 4") == 2, logs
	})

	// Delete: SIGTERM first, seen by the command, then the RunPod pod goes.
	e.c.Kubectl(t, "delete", "pod", "server", "--wait=false")
	e.plWaitRunPodGone(id, 40*time.Second)
	e.waitPodGone("server", 60*time.Second)
	logs := e.sim.ContainerLog(id)
	if !strings.Contains(strings.Join(logs, "\n"), "caught SIGTERM, saving checkpoint") {
		t.Errorf("the command did not see SIGTERM before its RunPod pod went; its log:\n%s", strings.Join(logs, "\n"))
	}

	// Refused before any RunPod call: a PVC (bound by name: the scheduler
	// would wait for the claim).
	posts := e.sim.Counters()["POST /v2/pods"]
	e.apply(`apiVersion: v1
kind: Pod
metadata:
  name: pvc-pod
spec:
  nodeName: ` + nodeName + `
` + placement("  ") + `  volumes:
    - name: data
      persistentVolumeClaim:
        claimName: data
  containers:
    - name: main
      image: busybox:1.36
      command: ["sleep", "3600"]
      volumeMounts:
        - name: data
          mountPath: /data
`)
	e.plWaitEvent("pvc-pod", corev1.EventTypeWarning, podsync.EventRefused, 30*time.Second, `volume "data"`, "persistentVolumeClaim")
	if n := e.sim.Counters()["POST /v2/pods"]; n != posts {
		t.Errorf("%d creates for a refused pod", n-posts)
	}

	// activeDeadlineSeconds.
	e.apply(`apiVersion: v1
kind: Pod
metadata:
  name: deadline
spec:
  activeDeadlineSeconds: 8
  restartPolicy: Never
` + placement("  ") + `  containers:
    - name: main
      image: busybox:1.36
      command: ["sleep", "infinity"]
`)
	e.waitPod("deadline", 60*time.Second, "annotated", func(p *corev1.Pod) bool { return p.Annotations[podsync.AnnotationPodID] != "" })
	p = e.waitPod("deadline", 60*time.Second, "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if p.Status.Reason != "DeadlineExceeded" {
		t.Errorf("deadline pod: reason %q (%s), want DeadlineExceeded", p.Status.Reason, p.Status.Message)
	}
	e.plWaitRunPodGone(p.Annotations[podsync.AnnotationPodID], 30*time.Second)
}
