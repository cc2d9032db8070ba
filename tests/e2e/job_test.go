package e2e

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// jobManifest is a Job whose RunPod settings live on the Job only: its pod
// template has no annotations. The simulated container exits after exitAfter.
func jobManifest(name, gpuType, cloud, exitAfter string) string {
	return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata:
  name: %s
  annotations:
    runpod.io/gpu-type-ids: %q
    runpod.io/cloud-type: %s
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
%s      containers:
        - name: train
          image: runpod/pytorch:2.4.0
          command: ["python", "train.py"]
          env:
            - name: RUNPOD_SIM_EXIT_AFTER
              value: %s
          resources:
            limits:
              nvidia.com/gpu: 1
`, name, gpuType, cloud, placement("      "), exitAfter)
}

// Scenario 4: a Job carries the annotations; its pod runs on the GPU and
// cloud the Job asked for, exits, the pod Succeeds, the Job completes and
// the RunPod pod is deleted (EXITED_POD_RETENTION=0 here).
func TestJobAnnotationsOnJob(t *testing.T) {
	t.Parallel() // no latency assertion: safe beside another scenario
	e := newEnv(t, nil)
	e.startKubelet("replica-a", "EXITED_POD_RETENTION=0s") // the ended pod's RunPod pod goes at once
	e.waitNodeReady()

	e.apply(jobManifest("train", plRTXA5000, "COMMUNITY", "5s"))
	var podName string
	e.eventually(60*time.Second, "the Job's pod", func() (bool, string) {
		list, err := e.kube.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "job-name=train"})
		if err != nil || len(list.Items) != 1 {
			return false, fmt.Sprintf("%d pods, err %v", len(list.Items), err)
		}
		podName = list.Items[0].Name
		return true, ""
	})
	job, err := e.kube.BatchV1().Jobs(ns).Get(context.Background(), "train", metav1.GetOptions{})
	if err != nil || len(job.Spec.Template.Annotations) != 0 {
		t.Fatalf("the pod template must carry no annotations: %v, err %v", job.Spec.Template.Annotations, err)
	}

	// While it runs: RunPod has the A5000 in the COMMUNITY cloud, and the pod says so.
	p := e.waitPod(podName, 60*time.Second, "annotated with its RunPod pod", func(p *corev1.Pod) bool {
		return p.Annotations[podsync.AnnotationPodID] != ""
	})
	rpID := p.Annotations[podsync.AnnotationPodID]
	rp, ok := e.sim.Pod(rpID)
	if !ok {
		t.Fatalf("RunPod pod %s (from the annotation) does not exist; RunPod has %+v", rpID, e.runpodPods())
	}
	if rp.Gpu == nil || rp.Gpu.ID != plRTXA5000 || rp.Cloud != runpodapi.CloudCommunity || rp.Cost != plPriceA5000C {
		t.Errorf("RunPod pod: gpu %+v cloud %s cost %v, want 1× %s COMMUNITY at $%.2f/h", rp.Gpu, rp.Cloud, rp.Cost, plRTXA5000, plPriceA5000C)
	}
	if rp.Env["RUNPOD_SIM_EXIT_AFTER"] != "5s" || !slices.Equal(rp.Cmd, []string{"python", "train.py"}) || !policy.IsWrapped(rp.Entrypoint) {
		t.Errorf("RunPod pod env %v entrypoint %q cmd %q, want python train.py under the wrapper", rp.Env, rp.Entrypoint, rp.Cmd)
	}
	if p.Annotations[podsync.AnnotationGpuType] != plRTXA5000 || p.Annotations[podsync.AnnotationCloudType] != "COMMUNITY" {
		t.Errorf("pod annotations %v, want gpu-type %s and cloud-type COMMUNITY", p.Annotations, plRTXA5000)
	}
	if cost, _ := strconv.ParseFloat(p.Annotations[podsync.AnnotationCostPerHr], 64); cost != plPriceA5000C {
		t.Errorf("cost-per-hr %q, want %v", p.Annotations[podsync.AnnotationCostPerHr], plPriceA5000C)
	}
	e.plWaitEvent(podName, "Normal", podsync.EventPlanned, 10*time.Second, plRTXA5000)

	// EXITED → Succeeded (exit code 0) → Job Complete → RunPod pod deleted.
	p = e.waitPod(podName, 60*time.Second, "Succeeded", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded })
	if cs := p.Status.ContainerStatuses; len(cs) != 1 || cs[0].State.Terminated == nil ||
		cs[0].State.Terminated.ExitCode != 0 || cs[0].State.Terminated.Reason != "Completed" {
		t.Errorf("container statuses %+v, want terminated Completed with exit code 0", cs)
	}
	if p.Status.Reason != podsync.StatusReasonRunPodExited {
		t.Errorf("pod reason %q (%s), want %s", p.Status.Reason, p.Status.Message, podsync.StatusReasonRunPodExited)
	}
	e.eventually(60*time.Second, "Job train Complete", func() (bool, string) {
		j, err := e.kube.BatchV1().Jobs(ns).Get(context.Background(), "train", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, c := range j.Status.Conditions {
			if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
				return j.Status.Succeeded == 1, fmt.Sprintf("succeeded=%d", j.Status.Succeeded)
			}
		}
		return false, fmt.Sprintf("conditions %+v", j.Status.Conditions)
	})
	e.plWaitRunPodGone(rpID, 30*time.Second)
	if live := e.runpodPods(); len(live) != 0 {
		t.Errorf("RunPod still has pods: %+v", live)
	}
	c := e.sim.Counters()
	if c["POST /v2/pods"] != 1 || c["DELETE /v2/pods/{id}"] < 1 || c["POST /v2/pods/{id}/action"] != 0 {
		t.Errorf("want one create, a DELETE and no action: %v", c)
	}
	// The record stays on the Succeeded pod.
	if p = e.pod(podName); p == nil || p.Annotations[podsync.AnnotationPodID] != rpID || p.Status.Phase != corev1.PodSucceeded {
		t.Errorf("after the RunPod delete the pod is %+v", p)
	}
}
