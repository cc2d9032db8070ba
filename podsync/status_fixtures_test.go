package podsync

// Fixtures of the status mapping tests: pods, RunPod views and expected statuses.

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/diff"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

const (
	testRunPodID = "7h9k2m4n6p"
	testNodeIP   = "10.0.0.5"
	testPublicIP = "203.0.113.7"
	testImage    = "ghcr.io/acme/train:1"
	testGen      = int64(3)
)

var (
	tCreated = metav1.NewTime(time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC))
	tRPStart = metav1.NewTime(tCreated.Add(30 * time.Second))
	tEarlier = metav1.NewTime(tCreated.Add(5 * time.Minute))
	tNow     = metav1.NewTime(tCreated.Add(10 * time.Minute))
	tLater   = metav1.NewTime(tCreated.Add(20 * time.Minute))
)

// statusPod is the Kubernetes pod as the API server has it before a sync.
func statusPod(containers ...string) *corev1.Pod {
	if len(containers) == 0 {
		containers = []string{"app"}
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ml", Name: "train", Generation: testGen}}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Image: c + ":" + testImage})
	}
	p.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSBurstable, StartTime: new(tCreated)}
	return p
}

// withAppState gives the pod a current phase and app container state, as a previous sync wrote them.
func withAppState(p *corev1.Pod, phase corev1.PodPhase, s corev1.ContainerState) *corev1.Pod {
	p.Status.Phase = phase
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", ContainerID: "runpod://" + testRunPodID, State: s}}
	return p
}

func statusRunPod(status runpodapi.PodStatus) *runpodapi.Pod {
	return &runpodapi.Pod{
		ID: testRunPodID, Status: status, Ports: []string{"8888/http", "22/tcp"},
		Gpu: &runpodapi.GpuConfig{ID: "NVIDIA GeForce RTX 4090", Count: 1}, DataCenterID: new("US-TX-3"),
		CreatedAt: tCreated.Add(5 * time.Second),
	}
}

// runningRunPod is RUNNING; mapped says whether RunPod mapped 22/tcp yet.
func runningRunPod(mapped bool) *runpodapi.Pod {
	rp := statusRunPod(runpodapi.StatusRunning)
	rp.StartedAt = new(tRPStart.Time)
	tcp := runpodapi.PodRuntimePort{Private: 22, Type: "tcp"}
	if mapped {
		tcp.Public, tcp.IP = new(40022), new(testPublicIP)
	}
	rp.Runtime = &runpodapi.PodRuntime{Uptime: 60, Ports: []runpodapi.PodRuntimePort{{Private: 8888, Type: "http"}, tcp}}
	return rp
}

func statusInput(pod *corev1.Pod, rp *runpodapi.Pod) StatusInput {
	return StatusInput{Pod: pod, Container: "app", RunPod: rp, NodeIP: testNodeIP, Now: tNow}
}

// wantStatus is the status every row shares, around what the row decides.
func wantStatus(phase corev1.PodPhase, reason, message string, conds []corev1.PodCondition, cs ...corev1.ContainerStatus) corev1.PodStatus {
	return corev1.PodStatus{
		Phase: phase, Reason: reason, Message: message, Conditions: conds, ContainerStatuses: cs,
		HostIP: testNodeIP, HostIPs: []corev1.HostIP{{IP: testNodeIP}},
		StartTime: new(tCreated), QOSClass: corev1.PodQOSBurstable, ObservedGeneration: testGen,
	}
}

func withPodIP(s corev1.PodStatus) corev1.PodStatus {
	s.PodIP, s.PodIPs = testPublicIP, []corev1.PodIP{{IP: testPublicIP}}
	return s
}

// wantConds are the four conditions; ready decides ContainersReady and Ready.
func wantConds(at metav1.Time, ready bool, reason, message string) []corev1.PodCondition {
	c := func(t corev1.PodConditionType, ok bool) corev1.PodCondition {
		pc := corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: at, ObservedGeneration: testGen}
		if !ok {
			pc.Status, pc.Reason, pc.Message = corev1.ConditionFalse, reason, message
		}
		return pc
	}
	return []corev1.PodCondition{c(corev1.PodScheduled, true), c(corev1.PodInitialized, true), c(corev1.ContainersReady, ready), c(corev1.PodReady, ready)}
}

func notReadyConds(why string) []corev1.PodCondition {
	return wantConds(tNow, false, "ContainersNotReady", notReadyMessage("app", why))
}

var completedConds = wantConds(tNow, false, "PodCompleted", "")

func appStatus(id string, s corev1.ContainerState, ready, started bool) corev1.ContainerStatus {
	if id != "" {
		id = "runpod://" + id
	}
	if s.Terminated != nil {
		s.Terminated.ContainerID = id
	}
	return corev1.ContainerStatus{Name: "app", Image: "app:" + testImage, ContainerID: id, State: s, Ready: ready, Started: new(started)}
}

func waitingState(reason, message string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}
}

func runningState(at metav1.Time) corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: at}}
}

func terminatedState(code int32, reason, message string, started, finished metav1.Time) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason, Message: message, StartedAt: started, FinishedAt: finished}}
}

const (
	exitedMsg  = "RunPod reports only EXITED for pod " + testRunPodID + " and gives no exit code; 0 stands for it"
	errorMsg   = "RunPod reported ERROR for pod " + testRunPodID + "; RunPod gives no exit code, 1 stands for it"
	missingMsg = "the RunPod pod " + testRunPodID + " is gone: every complete RunPod listing left it out and GET /v2/pods/{id} answers 404"
	deletedMsg = "runpod-kubelet deleted the RunPod pod " + testRunPodID + " because the Kubernetes pod is being deleted"
	portsMsg   = "RunPod has not mapped every TCP port to a public address yet"
	provMsg    = "RunPod pod " + testRunPodID + " is PROVISIONING on NVIDIA GeForce RTX 4090 in US-TX-3"
	droppedMsg = "runpod-kubelet runs only container app"
)

func assertStatus(t *testing.T, got, want corev1.PodStatus) {
	t.Helper()
	if !apiequality.Semantic.DeepEqual(got, want) {
		t.Fatalf("status mismatch (-want +got):\n%s", diff.Diff(want, got))
	}
}
