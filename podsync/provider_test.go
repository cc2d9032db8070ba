package podsync

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

func TestCreateRunsThePodAndRecordsIt(t *testing.T) {
	pod := gpuPod("train", 1, map[string]string{"runpod.io/required-gpu-memory": "24"})
	r := newRig(t, nil, pod)
	if err := r.p.CreatePod(r.ctx, pod); err != nil {
		t.Fatal(err)
	}
	r.eventually("the pod to run and be Ready", func() bool {
		st, _ := r.status("train")
		return st.Phase == corev1.PodRunning && len(st.Conditions) > 0 && isReady(st)
	})
	pods := r.sim.Pods()
	if len(pods) != 1 {
		t.Fatalf("simulator has %d pods, want 1", len(pods))
	}
	wantName, _ := policy.Name(testCluster, testNode, string(pod.UID))
	if pods[0].Name != wantName || pods[0].Gpu == nil || pods[0].Gpu.Count != 1 {
		t.Errorf("RunPod pod = %s %+v, want name %s with 1 GPU", pods[0].Name, pods[0].Gpu, wantName)
	}
	r.eventually("annotations", func() bool {
		a := r.kubePod("train").Annotations
		return a[AnnotationPodID] == pods[0].ID && a[AnnotationPublicIP] != "" && strings.Contains(a[AnnotationPortMappings], "22/tcp=")
	})
	a := r.kubePod("train").Annotations
	if a[AnnotationGpuType] != pods[0].Gpu.ID || a[AnnotationCostPerHr] == "" || a[AnnotationDataCenterID] == "" || a[AnnotationCreatedAt] == "" {
		t.Errorf("annotations incomplete: %v", a)
	}
	st, _ := r.status("train")
	if st.PodIP != a[AnnotationPublicIP] || st.HostIP != "10.1.2.3" {
		t.Errorf("podIP %q hostIP %q; want the public IP and the node IP", st.PodIP, st.HostIP)
	}
	if got, err := r.p.GetPod(r.ctx, "default", "train"); err != nil || got.Status.Phase != corev1.PodRunning {
		t.Errorf("GetPod = %v, %v", got, err)
	}
	if c := r.sim.Counters()["POST /v2/pods"]; c != 1 {
		t.Errorf("POST /v2/pods = %d, want 1", c)
	}
}

func TestRefusedPodCallsNoRunPod(t *testing.T) {
	tests := []struct {
		name string
		pod  func() *corev1.Pod
		want string
	}{
		{"two containers", func() *corev1.Pod {
			p := gpuPod("two", 1, nil)
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "sidecar", Image: "busybox"})
			return p
		}, "sidecar"},
		{"udp port", func() *corev1.Pod {
			p := gpuPod("udp", 1, nil)
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 53, Protocol: corev1.ProtocolUDP}}
			return p
		}, "UDP"},
		{"malformed annotation", func() *corev1.Pod {
			return gpuPod("bad", 1, map[string]string{"runpod.io/required-gpu-memory": "lots"})
		}, "required-gpu-memory"},
		{"datacenter outside allow-list", func() *corev1.Pod {
			return gpuPod("dc", 1, map[string]string{"runpod.io/datacenter-ids": "EU-RO-1"})
		}, "EU-RO-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := tt.pod()
			r := newRig(t, func(s *Settings) { s.DataCenterIDs = []string{"US-TX-3"} }, pod)
			if err := r.p.CreatePod(r.ctx, pod); err != nil {
				t.Fatalf("CreatePod must accept and report, got %v", err)
			}
			r.eventually("the refusal", func() bool {
				st, _ := r.status(pod.Name)
				return len(st.ContainerStatuses) > 0 && st.ContainerStatuses[0].State.Waiting != nil &&
					st.ContainerStatuses[0].State.Waiting.Reason == ReasonRefused
			})
			for i := 0; i < 3; i++ {
				r.p.Round(r.ctx)
			}
			c := r.sim.Counters()
			if c["POST /v2/pods"] != 0 || c["GET /v2/catalog/gpus"] != 0 {
				t.Errorf("a refused pod must not reach RunPod: %v", c)
			}
			st, _ := r.status(pod.Name)
			if st.Phase == corev1.PodRunning || !strings.Contains(st.ContainerStatuses[0].State.Waiting.Message, tt.want) {
				t.Errorf("status %s %q, want not Running with a message naming %q", st.Phase, st.ContainerStatuses[0].State.Waiting.Message, tt.want)
			}
			if evs := strings.Join(r.events(), "\n"); !strings.Contains(evs, EventRefused) || !strings.Contains(evs, tt.want) {
				t.Errorf("events %q lack a %s event naming %q", evs, EventRefused, tt.want)
			}
		})
	}
}

func TestDeleteTerminatesAndPushesTerminalStatus(t *testing.T) {
	pod := gpuPod("gone", 1, nil)
	r := newRig(t, nil, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running", func() bool { st, _ := r.status("gone"); return st.Phase == corev1.PodRunning })
	if err := r.p.DeletePod(r.ctx, forceDeleted(pod)); err != nil {
		t.Fatal(err)
	}
	if n := len(r.sim.Pods()); n != 0 {
		t.Fatalf("simulator still has %d pods after delete", n)
	}
	st, _ := r.status("gone")
	for _, cs := range st.ContainerStatuses {
		if cs.State.Terminated == nil {
			t.Errorf("container %s not terminated after delete: %+v", cs.Name, cs.State)
		}
	}
	// A second delete (virtual-kubelet may call again) finds it gone and succeeds.
	if err := r.p.DeletePod(r.ctx, forceDeleted(pod)); err != nil {
		t.Errorf("second DeletePod: %v", err)
	}
}

func TestDeleteDuringOutageIsRetriedNotLost(t *testing.T) {
	pod := gpuPod("outage", 1, nil)
	r := newRig(t, nil, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("created", func() bool { return len(r.sim.Pods()) == 1 })
	r.sim.SetFaults(simulator.Faults{ErrorRate: 1})
	ctx, cancel := context.WithTimeout(r.ctx, 2*time.Second)
	defer cancel()
	if err := r.p.DeletePod(ctx, pod); err == nil {
		t.Fatal("DeletePod during an outage must fail so virtual-kubelet retries")
	}
	r.sim.SetFaults(simulator.Faults{})
	if err := r.p.DeletePod(r.ctx, pod); err != nil {
		t.Fatal(err)
	}
	if n := len(r.sim.Pods()); n != 0 {
		t.Fatalf("%d RunPod pods left after the outage ended", n)
	}
}

func TestOutageNeverFailsPods(t *testing.T) {
	pod := gpuPod("steady", 1, nil)
	r := newRig(t, nil, pod)
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running", func() bool { st, _ := r.status("steady"); return st.Phase == corev1.PodRunning })
	r.sim.SetFaults(simulator.Faults{OutageUntil: time.Now().Add(time.Hour)})
	for i := 0; i < 6; i++ {
		r.p.Round(r.ctx)
	}
	if st, _ := r.status("steady"); st.Phase != corev1.PodRunning {
		t.Fatalf("phase %s during an outage, want Running", st.Phase)
	}
	if !errors.Is(r.health.last(), runpodapi.ErrTransient) {
		t.Errorf("health saw %v, want the outage reported", r.health.last())
	}
}

func isReady(st corev1.PodStatus) bool {
	for _, c := range st.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
