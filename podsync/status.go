package podsync

import (
	"time"

	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Reasons BuildStatus writes on pods (status.reason) and containers.
const (
	StatusReasonContainerCreating = "ContainerCreating"
	StatusReasonRunPodExited      = "RunPodExited"
	StatusReasonRunPodError       = "RunPodError"
	StatusReasonRunPodPodMissing  = "RunPodPodMissing"
	StatusReasonRunPodPodDeleted  = "RunPodPodDeleted"
	StatusReasonRunPodTerminated  = "RunPodTerminated"
	StatusReasonRunPodUnknown     = "RunPodStatusUnknown"
	StatusReasonNotRunOnRunPod    = "NotRunOnRunPod"
	StatusReasonDeadlineExceeded  = "DeadlineExceeded" // the kubelet's own reason
)

// runPodContainerIDPrefix makes a RunPod id a containerID (`runpod://<id>`).
const runPodContainerIDPrefix = "runpod://"

// StatusInput is everything the status mapping needs.
type StatusInput struct {
	Pod              *corev1.Pod                      // the Kubernetes pod as the API server has it (spec + current status)
	Container        string                           // name of the app container that runs on RunPod
	RunPod           *runpodapi.Pod                   // nil when no RunPod pod exists (yet)
	Waiting          *WaitingReason                   // set when the pod is held back (not created yet) or being restarted
	Missing          bool                             // the RunPod pod is proven gone (missing from listings, GET 404)
	Rejection        *policy.Rejection                // refused at admission: Failed before any RunPod call
	Exit             *ExitStatus                      // how the command ended, once learned (EXITED/ERROR)
	DeadlineExceeded bool                             // activeDeadlineSeconds passed: Failed, the RunPod pod terminated
	Deleted          bool                             // we deleted the RunPod pod because the Kubernetes pod is being deleted
	RestartCount     int32                            // container restarts so far (the caller keeps it)
	LastTermination  *corev1.ContainerStateTerminated // previous run's end, when restarted
	NodeIP           string                           // the virtual node's InternalIP → status.hostIP / hostIPs
	Now              metav1.Time
}

// ExitStatus is how the command ended: the status the runpod-kubelet
// wrapper printed as the log's last line (Known), or why none was learned.
type ExitStatus struct {
	Code  int32
	Known bool
	Why   string // when not Known: why (no wrapper, no marker in the log, the log unreadable)
}

// exitOutcome is the container's exit code, reason and message for a
// RunPod pod that stopped: the learned status, else EXITED as 0 and ERROR as 1.
func exitOutcome(rp *runpodapi.Pod, exit *ExitStatus) (int32, string, string) {
	if exit != nil && exit.Known {
		reason := "Completed"
		if exit.Code != 0 {
			reason = "Error"
		}
		return exit.Code, reason, fmt.Sprintf("the command exited with status %d (RunPod pod %s is %s)", exit.Code, rp.ID, rp.Status)
	}
	why := ""
	if exit != nil && exit.Why != "" {
		why = "; no exit status learned: " + exit.Why
	}
	if rp.Status == runpodapi.StatusError {
		return 1, "Error", "RunPod reported ERROR for pod " + rp.ID + "; RunPod gives no exit code, 1 stands for it" + why
	}
	return 0, "Completed", "RunPod reports only EXITED for pod " + rp.ID + " and gives no exit code; 0 stands for it" + why
}

// WaitingReason says why the app container is not running yet; Reason is one
// of the waiting reasons in events.go. ReasonRestarting keeps the pod Running.
type WaitingReason struct{ Reason, Message string }

// appOutcome is what the RunPod side means for the pod phase and the app container.
type appOutcome struct {
	phase           corev1.PodPhase
	reason, message string // pod-level status.reason / status.message
	state           corev1.ContainerState
	ready, started  bool
	notReady        string // why the app container is not ready, for ContainersReady
}

// BuildStatus maps a RunPod pod (or its absence) to the Kubernetes pod status.
// It is pure: times come from in.Now or from the current status, so two calls
// on an unchanged world return equal statuses.
func BuildStatus(in StatusInput) corev1.PodStatus {
	pod := in.Pod
	if pod == nil {
		pod = &corev1.Pod{}
	}
	prev := &pod.Status
	out := decideApp(in, findContainerStatus(prev.ContainerStatuses, in.Container))
	if isTerminal(prev.Phase) { // Kubernetes phases never leave Succeeded/Failed
		out.phase, out.reason, out.message, out.ready = prev.Phase, prev.Reason, prev.Message, false
	}
	status := corev1.PodStatus{
		Phase:              out.phase,
		Reason:             out.reason,
		Message:            out.message,
		QOSClass:           prev.QOSClass,
		StartTime:          startTime(in, prev),
		ObservedGeneration: pod.Generation,
	}
	if in.NodeIP != "" {
		status.HostIP, status.HostIPs = in.NodeIP, []corev1.HostIP{{IP: in.NodeIP}}
	}
	if ip := PublicIP(in.RunPod); ip != "" {
		status.PodIP, status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	}
	var appReady, appFound bool
	status.ContainerStatuses, appReady, appFound = containerStatuses(in, pod, out)
	if !appFound {
		out.notReady = notReadyMessage(in.Container, "not in the pod spec")
	}
	status.Conditions = podConditions(in, pod, status.Phase, appReady, out.notReady)
	return status
}

// containerStatuses gives every spec container a status; once the pod is
// terminal, a container that already ended keeps how it ended.
func containerStatuses(in StatusInput, pod *corev1.Pod, out appOutcome) (statuses []corev1.ContainerStatus, appReady, appFound bool) {
	statuses = make([]corev1.ContainerStatus, len(pod.Spec.Containers))
	for i, c := range pod.Spec.Containers {
		cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, Started: new(false)}
		prev := findContainerStatus(pod.Status.ContainerStatuses, c.Name)
		if c.Name == in.Container {
			if in.RunPod != nil && in.RunPod.Image != "" {
				cs.Image = in.RunPod.Image // what RunPod runs, not what the spec asks for (an update may be on its way)
			}
			fillAppStatus(&cs, in, out, prev)
			appReady, appFound = cs.Ready, true
		} else {
			cs.State = droppedState(in, c.Name, prev)
		}
		if isTerminal(pod.Status.Phase) && prev != nil && prev.State.Terminated != nil {
			cs.State, cs.Ready, cs.Started = corev1.ContainerState{Terminated: prev.State.Terminated.DeepCopy()}, false, new(false)
		}
		statuses[i] = cs
	}
	return statuses, appReady, appFound
}

// decideApp picks the outcome; deletion and disappearance win over what RunPod last said.
func decideApp(in StatusInput, prev *corev1.ContainerStatus) appOutcome {
	switch {
	case in.Rejection != nil:
		w := corev1.ContainerStateWaiting{Reason: in.Rejection.Reason, Message: in.Rejection.Message}
		return appOutcome{phase: corev1.PodFailed, reason: in.Rejection.Reason, message: in.Rejection.Message,
			state: corev1.ContainerState{Waiting: &w}, notReady: notReadyMessage(in.Container, in.Rejection.Message)}
	case in.DeadlineExceeded:
		msg := "Pod was active on the node longer than the specified deadline"
		return terminatedOutcome(in, prev, corev1.PodFailed, StatusReasonDeadlineExceeded, msg, 137, StatusReasonDeadlineExceeded)
	case in.Deleted:
		msg := "runpod-kubelet deleted " + runPodRef(in.RunPod, prev) + " because the Kubernetes pod is being deleted"
		return terminatedOutcome(in, prev, corev1.PodSucceeded, StatusReasonRunPodPodDeleted, msg, 0, StatusReasonRunPodPodDeleted)
	case in.Missing:
		msg := runPodRef(in.RunPod, prev) + " is gone: every complete RunPod listing left it out and GET /v2/pods/{id} answers 404"
		return terminatedOutcome(in, prev, corev1.PodFailed, StatusReasonRunPodPodMissing, msg, 1, StatusReasonRunPodPodMissing)
	case in.Waiting != nil && in.Waiting.Reason == ReasonRestarting:
		o := waitingOutcome(in, "")
		o.phase = corev1.PodRunning // Kubernetes keeps a restarting pod Running; only the container waits
		return o
	case in.RunPod == nil:
		return waitingOutcome(in, "")
	}
	rp := in.RunPod
	switch rp.Status {
	case runpodapi.StatusProvisioning, runpodapi.StatusStarting:
		return waitingOutcome(in, placementMessage(rp))
	case runpodapi.StatusRunning:
		return runningOutcome(in, prev)
	case runpodapi.StatusExited, runpodapi.StatusError:
		code, containerReason, msg := exitOutcome(rp, in.Exit)
		phase, reason := corev1.PodSucceeded, StatusReasonRunPodExited
		if code != 0 {
			phase = corev1.PodFailed
		}
		if rp.Status == runpodapi.StatusError {
			reason = StatusReasonRunPodError
		}
		return terminatedOutcome(in, prev, phase, reason, msg, code, containerReason)
	case runpodapi.StatusTerminated:
		msg := "the RunPod pod " + rp.ID + " was terminated outside runpod-kubelet"
		return terminatedOutcome(in, prev, corev1.PodFailed, StatusReasonRunPodTerminated, msg, 1, StatusReasonRunPodTerminated)
	}
	w := in
	w.Waiting = &WaitingReason{StatusReasonRunPodUnknown, fmt.Sprintf("RunPod reports status %q for pod %s", rp.Status, rp.ID)}
	return waitingOutcome(w, "")
}

// podConditions returns PodScheduled, Initialized, ContainersReady and Ready,
// then every condition others wrote (readiness gates, DisruptionTarget), so
// an UpdateStatus does not erase them.
func podConditions(in StatusInput, pod *corev1.Pod, phase corev1.PodPhase, appReady bool, notReady string) []corev1.PodCondition {
	prev := pod.Status.Conditions
	containers := corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue}
	if !appReady {
		containers = corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", Message: notReady}
		if isTerminal(phase) {
			containers.Reason, containers.Message = "PodCompleted", ""
		}
	}
	ready := containers
	ready.Type = corev1.PodReady
	if appReady {
		if gate := unreadyGate(prev, pod.Spec.ReadinessGates); gate != "" {
			ready = corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ReadinessGatesNotReady",
				Message: "the status of pod readiness gate " + gate + " is not True"}
		}
	}
	conds := make([]corev1.PodCondition, 0, 4+len(prev))
	conds = append(conds,
		corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
		corev1.PodCondition{Type: corev1.PodInitialized, Status: corev1.ConditionTrue},
		containers, ready)
	for i := range conds {
		conds[i].ObservedGeneration = pod.Generation
		conds[i].LastTransitionTime = in.Now
		if p := findCondition(prev, conds[i].Type); p != nil && p.Status == conds[i].Status && !p.LastTransitionTime.IsZero() {
			conds[i].LastTransitionTime = p.LastTransitionTime
		}
	}
	for _, c := range prev {
		switch c.Type {
		case corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady:
		default:
			conds = append(conds, c)
		}
	}
	return conds
}

// unreadyGate names the first readiness gate whose condition is not True, or "".
func unreadyGate(conds []corev1.PodCondition, gates []corev1.PodReadinessGate) string {
	for _, g := range gates {
		if c := findCondition(conds, g.ConditionType); c == nil || c.Status != corev1.ConditionTrue {
			return string(g.ConditionType)
		}
	}
	return ""
}

// startTime is when Kubernetes first saw the pod started: kept once set.
func startTime(in StatusInput, prev *corev1.PodStatus) *metav1.Time {
	switch {
	case prev.StartTime != nil:
		return prev.StartTime.DeepCopy()
	case in.RunPod != nil && !in.RunPod.CreatedAt.IsZero():
		return new(metav1.NewTime(in.RunPod.CreatedAt.Truncate(time.Second)))
	}
	return new(in.Now)
}

func placementMessage(rp *runpodapi.Pod) string {
	msg := "RunPod pod " + rp.ID + " is " + string(rp.Status)
	switch {
	case rp.Gpu != nil && rp.Gpu.Count > 1:
		msg += " on " + strconv.Itoa(rp.Gpu.Count) + "x " + rp.Gpu.ID
	case rp.Gpu != nil:
		msg += " on " + rp.Gpu.ID
	case rp.Cpu != nil:
		msg += " on " + rp.Cpu.ID
	}
	if rp.DataCenterID != nil && *rp.DataCenterID != "" {
		msg += " in " + *rp.DataCenterID
	}
	return msg
}

// runPodRef names the RunPod pod, its id from the pod or else from the containerID we wrote.
func runPodRef(rp *runpodapi.Pod, prev *corev1.ContainerStatus) string {
	if rp != nil {
		return "the RunPod pod " + rp.ID
	}
	if prev != nil {
		if id, ok := strings.CutPrefix(prev.ContainerID, runPodContainerIDPrefix); ok && id != "" {
			return "the RunPod pod " + id
		}
	}
	return "the RunPod pod"
}

func notReadyMessage(container, why string) string {
	msg := "containers with unready status: [" + container + "]"
	if why != "" {
		msg += ": " + why
	}
	return msg
}

func isTerminal(p corev1.PodPhase) bool { return p == corev1.PodSucceeded || p == corev1.PodFailed }

func findContainerStatus(statuses []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
	for i := range statuses {
		if statuses[i].Name == name {
			return &statuses[i]
		}
	}
	return nil
}

func findCondition(conds []corev1.PodCondition, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}
