package podsync

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/diff"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestBuildStatusPhases(t *testing.T) {
	lastRun := &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: tCreated, FinishedAt: tEarlier, ContainerID: "runpod://0ldp0d"}
	tests := []struct {
		name string
		in   StatusInput
		want corev1.PodStatus
	}{
		{"no RunPod pod yet", statusInput(statusPod(), nil),
			wantStatus(corev1.PodPending, "", "", notReadyConds(""), appStatus("", waitingState("ContainerCreating", ""), false, false))},
		{"held back by spend cap", func() StatusInput {
			in := statusInput(statusPod(), nil)
			in.Waiting = &WaitingReason{"SpendCapReached", "spend would reach $81.20/h, cap $80/h"}
			return in
		}(), wantStatus(corev1.PodPending, "SpendCapReached", "spend would reach $81.20/h, cap $80/h", notReadyConds("spend would reach $81.20/h, cap $80/h"),
			appStatus("", waitingState("SpendCapReached", "spend would reach $81.20/h, cap $80/h"), false, false))},
		{"PROVISIONING says where", statusInput(statusPod(), statusRunPod(runpodapi.StatusProvisioning)),
			wantStatus(corev1.PodPending, "", "", notReadyConds(provMsg), appStatus(testRunPodID, waitingState("ContainerCreating", provMsg), false, false))},
		{"STARTING on two GPUs", func() StatusInput {
			rp := statusRunPod(runpodapi.StatusStarting)
			rp.Gpu.Count = 2
			return statusInput(statusPod(), rp)
		}(), func() corev1.PodStatus {
			msg := "RunPod pod " + testRunPodID + " is STARTING on 2x NVIDIA GeForce RTX 4090 in US-TX-3"
			return wantStatus(corev1.PodPending, "", "", notReadyConds(msg), appStatus(testRunPodID, waitingState("ContainerCreating", msg), false, false))
		}()},
		{"RUNNING with TCP port unmapped is not Ready", statusInput(statusPod(), runningRunPod(false)),
			wantStatus(corev1.PodRunning, "", "", notReadyConds(portsMsg), appStatus(testRunPodID, runningState(tRPStart), false, true))},
		{"RUNNING with TCP port mapped is Ready", statusInput(statusPod(), runningRunPod(true)),
			withPodIP(wantStatus(corev1.PodRunning, "", "", wantConds(tNow, true, "", ""), appStatus(testRunPodID, runningState(tRPStart), true, true)))},
		{"RUNNING with HTTP ports only is Ready", func() StatusInput {
			rp := runningRunPod(false)
			rp.Ports, rp.Runtime.Ports = []string{"8888/http"}, rp.Runtime.Ports[:1]
			return statusInput(statusPod(), rp)
		}(), wantStatus(corev1.PodRunning, "", "", wantConds(tNow, true, "", ""), appStatus(testRunPodID, runningState(tRPStart), true, true))},
		{"RUNNING without runtime or startedAt", func() StatusInput {
			rp := runningRunPod(true)
			rp.Runtime, rp.StartedAt = nil, nil
			return statusInput(statusPod(), rp)
		}(), wantStatus(corev1.PodRunning, "", "", notReadyConds(portsMsg), appStatus(testRunPodID, runningState(tNow), false, true))},
		{"RUNNING without startedAt keeps the recorded start", func() StatusInput {
			rp := runningRunPod(true)
			rp.StartedAt = nil
			return statusInput(withAppState(statusPod(), corev1.PodRunning, runningState(tEarlier)), rp)
		}(), withPodIP(wantStatus(corev1.PodRunning, "", "", wantConds(tNow, true, "", ""), appStatus(testRunPodID, runningState(tEarlier), true, true)))},
		{"EXITED", statusInput(withAppState(statusPod(), corev1.PodRunning, runningState(tRPStart)), statusRunPod(runpodapi.StatusExited)),
			wantStatus(corev1.PodSucceeded, "RunPodExited", exitedMsg, completedConds,
				appStatus(testRunPodID, terminatedState(0, "Completed", exitedMsg, tRPStart, tNow), false, false))},
		{"EXITED keeps the recorded FinishedAt", statusInput(
			withAppState(statusPod(), corev1.PodRunning, terminatedState(0, "Completed", exitedMsg, tRPStart, tEarlier)), statusRunPod(runpodapi.StatusExited)),
			wantStatus(corev1.PodSucceeded, "RunPodExited", exitedMsg, completedConds,
				appStatus(testRunPodID, terminatedState(0, "Completed", exitedMsg, tRPStart, tEarlier), false, false))},
		{"ERROR", statusInput(withAppState(statusPod(), corev1.PodRunning, runningState(tRPStart)), statusRunPod(runpodapi.StatusError)),
			wantStatus(corev1.PodFailed, "RunPodError", errorMsg, completedConds,
				appStatus(testRunPodID, terminatedState(1, "Error", errorMsg, tRPStart, tNow), false, false))},
		{"TERMINATED outside runpod-kubelet", statusInput(statusPod(), statusRunPod(runpodapi.StatusTerminated)), func() corev1.PodStatus {
			msg := "the RunPod pod " + testRunPodID + " was terminated outside runpod-kubelet"
			return wantStatus(corev1.PodFailed, "RunPodTerminated", msg, completedConds,
				appStatus(testRunPodID, terminatedState(1, "RunPodTerminated", msg, metav1.Time{}, tNow), false, false))
		}()},
		{"unknown RunPod status waits", statusInput(statusPod(), statusRunPod("PAUSED")), func() corev1.PodStatus {
			msg := `RunPod reports status "PAUSED" for pod ` + testRunPodID
			return wantStatus(corev1.PodPending, "RunPodStatusUnknown", msg, notReadyConds(msg),
				appStatus(testRunPodID, waitingState("RunPodStatusUnknown", msg), false, false))
		}()},
		{"Missing", func() StatusInput {
			in := statusInput(withAppState(statusPod(), corev1.PodRunning, runningState(tRPStart)), nil)
			in.Missing = true
			return in
		}(), wantStatus(corev1.PodFailed, "RunPodPodMissing", missingMsg, completedConds,
			appStatus(testRunPodID, terminatedState(1, "RunPodPodMissing", missingMsg, tRPStart, tNow), false, false))},
		{"Deleted from Running", func() StatusInput {
			in := statusInput(withAppState(statusPod(), corev1.PodRunning, runningState(tRPStart)), runningRunPod(true))
			in.Deleted = true
			return in
		}(), withPodIP(wantStatus(corev1.PodSucceeded, "RunPodPodDeleted", deletedMsg, completedConds,
			appStatus(testRunPodID, terminatedState(0, "RunPodPodDeleted", deletedMsg, tRPStart, tNow), false, false)))},
		{"Deleted from Succeeded keeps the outcome", func() StatusInput {
			pod := withAppState(statusPod(), corev1.PodSucceeded, terminatedState(0, "Completed", exitedMsg, tRPStart, tEarlier))
			pod.Status.ContainerStatuses[0].State.Terminated.ContainerID = "runpod://" + testRunPodID
			pod.Status.Reason, pod.Status.Message = "RunPodExited", exitedMsg
			in := statusInput(pod, nil)
			in.Deleted = true
			return in
		}(), wantStatus(corev1.PodSucceeded, "RunPodExited", exitedMsg, completedConds,
			appStatus(testRunPodID, terminatedState(0, "Completed", exitedMsg, tRPStart, tEarlier), false, false))},
		{"Deleted from Failed keeps the phase", func() StatusInput {
			pod := withAppState(statusPod(), corev1.PodFailed, terminatedState(1, "Error", errorMsg, tRPStart, tEarlier))
			pod.Status.ContainerStatuses[0].State.Terminated.ContainerID = "runpod://" + testRunPodID
			pod.Status.Reason, pod.Status.Message = "RunPodError", errorMsg
			in := statusInput(pod, nil)
			in.Deleted = true
			return in
		}(), wantStatus(corev1.PodFailed, "RunPodError", errorMsg, completedConds,
			appStatus(testRunPodID, terminatedState(1, "Error", errorMsg, tRPStart, tEarlier), false, false))},
		{"restarting after a failed run", func() StatusInput {
			in := statusInput(withAppState(statusPod(), corev1.PodRunning, terminatedState(1, "Error", errorMsg, tCreated, tEarlier)), statusRunPod(runpodapi.StatusExited))
			in.Waiting = &WaitingReason{"RunPodRestarting", "restarting the RunPod pod (restartPolicy OnFailure)"}
			in.RestartCount, in.LastTermination = 2, lastRun
			return in
		}(), func() corev1.PodStatus {
			msg := "restarting the RunPod pod (restartPolicy OnFailure)"
			app := appStatus(testRunPodID, waitingState("RunPodRestarting", msg), false, false)
			app.RestartCount, app.LastTerminationState = 2, corev1.ContainerState{Terminated: lastRun}
			return wantStatus(corev1.PodRunning, "RunPodRestarting", msg, notReadyConds(msg), app)
		}()},
		{"re-create after restart held back stays Running", func() StatusInput {
			in := statusInput(statusPod(), nil)
			in.Waiting = &WaitingReason{"NoCapacity", "no candidate has capacity"}
			in.RestartCount, in.LastTermination = 1, lastRun
			return in
		}(), func() corev1.PodStatus {
			app := appStatus("", waitingState("NoCapacity", "no candidate has capacity"), false, false)
			app.RestartCount, app.LastTerminationState = 1, corev1.ContainerState{Terminated: lastRun}
			return wantStatus(corev1.PodRunning, "NoCapacity", "no candidate has capacity", notReadyConds("no candidate has capacity"), app)
		}()},
		{"running after a restart shows the last run", func() StatusInput {
			in := statusInput(statusPod(), runningRunPod(true))
			in.RestartCount, in.LastTermination = 1, lastRun
			return in
		}(), func() corev1.PodStatus {
			app := appStatus(testRunPodID, runningState(tRPStart), true, true)
			app.RestartCount, app.LastTerminationState = 1, corev1.ContainerState{Terminated: lastRun}
			return withPodIP(wantStatus(corev1.PodRunning, "", "", wantConds(tNow, true, "", ""), app))
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertStatus(t, BuildStatus(tt.in), tt.want)
		})
	}
}

func sidecarStatus(s corev1.ContainerState) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: "log-shipper", Image: "log-shipper:" + testImage, State: s, Started: new(false)}
}

func TestBuildStatusDroppedContainers(t *testing.T) {
	neverRan := droppedMsg + "; container log-shipper never ran"
	tests := []struct {
		name string
		in   StatusInput
		want corev1.PodStatus
	}{
		{"sidecar waits and does not hold readiness back", statusInput(statusPod("log-shipper", "app"), runningRunPod(true)),
			withPodIP(wantStatus(corev1.PodRunning, "", "", wantConds(tNow, true, "", ""),
				sidecarStatus(waitingState("NotRunOnRunPod", droppedMsg)), appStatus(testRunPodID, runningState(tRPStart), true, true)))},
		{"sidecar waits in a terminal phase", statusInput(statusPod("app", "log-shipper"), statusRunPod(runpodapi.StatusError)),
			wantStatus(corev1.PodFailed, "RunPodError", errorMsg, completedConds,
				appStatus(testRunPodID, terminatedState(1, "Error", errorMsg, metav1.Time{}, tNow), false, false),
				sidecarStatus(waitingState("NotRunOnRunPod", droppedMsg)))},
		{"deletion terminates every container", func() StatusInput {
			in := statusInput(statusPod("app", "log-shipper"), nil)
			in.Deleted = true
			return in
		}(), func() corev1.PodStatus {
			msg := "runpod-kubelet deleted the RunPod pod because the Kubernetes pod is being deleted"
			return wantStatus(corev1.PodSucceeded, "RunPodPodDeleted", msg, completedConds,
				appStatus("", terminatedState(0, "RunPodPodDeleted", msg, metav1.Time{}, tNow), false, false),
				sidecarStatus(terminatedState(0, "RunPodPodDeleted", neverRan, metav1.Time{}, tNow)))
		}()},
		{"app container missing from the spec is never ready", statusInput(statusPod("log-shipper"), runningRunPod(true)),
			withPodIP(wantStatus(corev1.PodRunning, "", "", notReadyConds("not in the pod spec"),
				sidecarStatus(waitingState("NotRunOnRunPod", droppedMsg))))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertStatus(t, BuildStatus(tt.in), tt.want)
		})
	}
}

// TestBuildStatusStableAcrossCalls writes each status back as the API server
// would, then maps the same RunPod state at a later Now: nothing may move.
func TestBuildStatusStableAcrossCalls(t *testing.T) {
	tests := []struct {
		name   string
		rp     *runpodapi.Pod
		adjust func(*StatusInput)
	}{
		{"pending", nil, nil},
		{"provisioning", statusRunPod(runpodapi.StatusProvisioning), nil},
		{"running not ready", runningRunPod(false), nil},
		{"running ready", runningRunPod(true), nil},
		{"running without startedAt", func() *runpodapi.Pod { rp := runningRunPod(true); rp.StartedAt = nil; return rp }(), nil},
		{"exited", statusRunPod(runpodapi.StatusExited), nil},
		{"error", statusRunPod(runpodapi.StatusError), nil},
		{"missing", nil, func(in *StatusInput) { in.Missing = true }},
		{"deleted", runningRunPod(true), func(in *StatusInput) { in.Deleted = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := statusPod("app", "log-shipper")
			pod.Status.StartTime = nil
			in := statusInput(pod, tt.rp)
			if tt.adjust != nil {
				tt.adjust(&in)
			}
			first := BuildStatus(in)
			pod.Status = first
			in.Now = tLater
			assertStatus(t, BuildStatus(in), first)
		})
	}
}

func TestBuildStatusConditionTransitions(t *testing.T) {
	pod := statusPod()
	first := BuildStatus(statusInput(pod, runningRunPod(false)))
	pod.Status = first
	in := statusInput(pod, runningRunPod(true))
	in.Now = tLater
	got := BuildStatus(in)
	want := []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: tNow, ObservedGeneration: testGen},
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: tNow, ObservedGeneration: testGen},
		{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: tLater, ObservedGeneration: testGen},
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: tLater, ObservedGeneration: testGen},
	}
	if !apiequality.Semantic.DeepEqual(got.Conditions, want) {
		t.Fatalf("conditions (-want +got):\n%s", diff.Diff(want, got.Conditions))
	}
}

func TestBuildStatusReadinessGatesAndForeignConditions(t *testing.T) {
	pod := statusPod()
	pod.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb-registered"}}
	foreign := []corev1.PodCondition{
		{Type: "example.com/lb-registered", Status: corev1.ConditionFalse, LastTransitionTime: tEarlier},
		{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "EvictionByEvictionAPI", LastTransitionTime: tEarlier},
	}
	pod.Status.Conditions = foreign
	got := BuildStatus(statusInput(pod, runningRunPod(true)))
	want := wantConds(tNow, true, "", "")
	want[3] = corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ReadinessGatesNotReady",
		Message: "the status of pod readiness gate example.com/lb-registered is not True", LastTransitionTime: tNow, ObservedGeneration: testGen}
	want = append(want, foreign...)
	if !apiequality.Semantic.DeepEqual(got.Conditions, want) {
		t.Fatalf("conditions (-want +got):\n%s", diff.Diff(want, got.Conditions))
	}

	pod.Status.Conditions[0].Status = corev1.ConditionTrue
	got = BuildStatus(statusInput(pod, runningRunPod(true)))
	if r := findCondition(got.Conditions, corev1.PodReady); r == nil || r.Status != corev1.ConditionTrue {
		t.Fatalf("Ready with every gate True = %+v, want True", r)
	}
}

func TestBuildStatusStartTime(t *testing.T) {
	recorded := metav1.NewTime(tCreated.Add(-time.Hour))
	tests := []struct {
		name     string
		recorded *metav1.Time
		rp       *runpodapi.Pod
		want     metav1.Time
	}{
		{"recorded start time wins", &recorded, runningRunPod(true), recorded},
		{"RunPod createdAt when none recorded", nil, runningRunPod(true), metav1.NewTime(tCreated.Add(5 * time.Second))},
		{"now without a RunPod pod", nil, nil, tNow},
		{"now when createdAt is unknown", nil, &runpodapi.Pod{ID: testRunPodID, Status: runpodapi.StatusProvisioning}, tNow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := statusPod()
			pod.Status.StartTime = tt.recorded
			got := BuildStatus(statusInput(pod, tt.rp)).StartTime
			if got == nil || !got.Equal(&tt.want) {
				t.Fatalf("StartTime = %v, want %v", got, tt.want)
			}
			if tt.recorded != nil && got == tt.recorded {
				t.Fatal("StartTime aliases the input pod's status")
			}
		})
	}
}

func TestBuildStatusAddresses(t *testing.T) {
	tests := []struct {
		name           string
		nodeIP         string
		rp             *runpodapi.Pod
		wantHost       []corev1.HostIP
		wantPod        []corev1.PodIP
		wantHostIP, ip string
	}{
		{"node and public IP", testNodeIP, runningRunPod(true), []corev1.HostIP{{IP: testNodeIP}}, []corev1.PodIP{{IP: testPublicIP}}, testNodeIP, testPublicIP},
		{"no node IP", "", runningRunPod(true), nil, []corev1.PodIP{{IP: testPublicIP}}, "", testPublicIP},
		{"ports not mapped", testNodeIP, runningRunPod(false), []corev1.HostIP{{IP: testNodeIP}}, nil, testNodeIP, ""},
		{"no RunPod pod", testNodeIP, nil, []corev1.HostIP{{IP: testNodeIP}}, nil, testNodeIP, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := statusInput(statusPod(), tt.rp)
			in.NodeIP = tt.nodeIP
			s := BuildStatus(in)
			if s.HostIP != tt.wantHostIP || s.PodIP != tt.ip {
				t.Fatalf("hostIP %q podIP %q, want %q %q", s.HostIP, s.PodIP, tt.wantHostIP, tt.ip)
			}
			// reflect-level: nil and empty differ here on purpose (omitted, not [])
			if len(s.HostIPs) != len(tt.wantHost) || (len(s.HostIPs) > 0 && s.HostIPs[0] != tt.wantHost[0]) ||
				len(s.PodIPs) != len(tt.wantPod) || (len(s.PodIPs) > 0 && s.PodIPs[0] != tt.wantPod[0]) {
				t.Fatalf("hostIPs %v podIPs %v, want %v %v", s.HostIPs, s.PodIPs, tt.wantHost, tt.wantPod)
			}
		})
	}
}

func TestBuildStatusNilInputs(t *testing.T) {
	got := BuildStatus(StatusInput{Container: "app", Now: tNow})
	want := corev1.PodStatus{
		Phase: corev1.PodPending, StartTime: new(tNow), ContainerStatuses: []corev1.ContainerStatus{},
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: tNow},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: tNow},
			{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", Message: notReadyMessage("app", "not in the pod spec"), LastTransitionTime: tNow},
			{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady", Message: notReadyMessage("app", "not in the pod spec"), LastTransitionTime: tNow},
		},
	}
	assertStatus(t, got, want)
}

func TestBuildStatusLeavesInputAlone(t *testing.T) {
	pod := withAppState(statusPod("app", "log-shipper"), corev1.PodRunning, runningState(tRPStart))
	pod.Status.Conditions = wantConds(tEarlier, true, "", "")
	rp := runningRunPod(true)
	in := statusInput(pod, rp)
	in.LastTermination = &corev1.ContainerStateTerminated{ExitCode: 1, FinishedAt: tEarlier}
	podBefore, lastBefore := pod.DeepCopy(), *in.LastTermination

	got := BuildStatus(in)
	got.StartTime.Time = tLater.Time
	got.ContainerStatuses[0].LastTerminationState.Terminated.ExitCode = 9
	got.Conditions[0].Reason = "scribbled"

	if !apiequality.Semantic.DeepEqual(pod, podBefore) || *in.LastTermination != lastBefore {
		t.Fatalf("BuildStatus or its result shares memory with the input:\n%s", diff.Diff(podBefore, pod))
	}
}
