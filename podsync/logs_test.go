package podsync

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	corev1 "k8s.io/api/core/v1"
)

// logPod prints lines once (the simulator's RUNPOD_SIM_LOG_LINES), or a
// "step N" line per LogInterval forever when lines is empty.
func logPod(name, lines string) *corev1.Pod {
	pod := gpuPod(name, 0, nil)
	if lines != "" {
		pod.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "RUNPOD_SIM_LOG_LINES", Value: lines}}
	}
	return pod
}

func runLogPod(t *testing.T, r *rig, pod *corev1.Pod) {
	t.Helper()
	_ = r.p.CreatePod(r.ctx, pod)
	r.eventually("running", func() bool { st, _ := r.status(pod.Name); return st.Phase == corev1.PodRunning })
}

func TestContainerLogs(t *testing.T) {
	pod := logPod("logs", `alpha\nbravo\ncharlie\ndelta\necho`)
	r := newRig(t, nil, pod)
	runLogPod(t, r, pod)
	time.Sleep(200 * time.Millisecond) // five lines, one per 20 ms LogInterval

	tests := []struct {
		name  string
		opts  api.ContainerLogOpts
		want  string
		check func(string) bool // instead of want
	}{
		{"all", api.ContainerLogOpts{}, "alpha\nbravo\ncharlie\ndelta\necho\n", nil},
		{"tail", api.ContainerLogOpts{Tail: 2}, "delta\necho\n", nil},
		{"limit bytes", api.ContainerLogOpts{LimitBytes: 8}, "alpha\nbr", nil},
		{"timestamps", api.ContainerLogOpts{Tail: 1, Timestamps: true}, "", func(s string) bool {
			ts, line, ok := strings.Cut(strings.TrimSuffix(s, "\n"), " ")
			_, err := time.Parse(time.RFC3339Nano, ts)
			return ok && err == nil && line == "echo"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := r.p.GetContainerLogs(r.ctx, "default", pod.Name, "main", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			got := string(b)
			if (tt.check == nil && got != tt.want) || (tt.check != nil && !tt.check(got)) {
				t.Errorf("logs %+v = %q, want %q", tt.opts, got, tt.want)
			}
		})
	}
}

func TestContainerLogsFollowUntilClosed(t *testing.T) {
	pod := logPod("follow", "")
	r := newRig(t, nil, pod)
	runLogPod(t, r, pod)
	rc, err := r.p.GetContainerLogs(r.ctx, "default", pod.Name, "", api.ContainerLogOpts{Follow: true, Tail: 1})
	if err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(rc)
	for i := range 4 { // the backfilled line, then new ones as they are printed
		line, err := lines.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "step ") {
			t.Fatalf("line %d = %q, %v; want a step line", i, line, err)
		}
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Read(make([]byte, 1)); err == nil {
		t.Error("read after Close succeeded; the stream must stop")
	}
}

func TestContainerLogsRefusals(t *testing.T) {
	pod := logPod("refusals", "one")
	r := newRig(t, nil, pod)
	runLogPod(t, r, pod)
	tests := []struct {
		name, pod, container string
		opts                 api.ContainerLogOpts
		is                   func(error) bool
	}{
		{"previous", pod.Name, "main", api.ContainerLogOpts{Previous: true}, errdefs.IsInvalidInput},
		{"other container", pod.Name, "sidecar", api.ContainerLogOpts{}, errdefs.IsInvalidInput},
		{"unknown pod", "nope", "main", api.ContainerLogOpts{}, errdefs.IsNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.p.GetContainerLogs(r.ctx, "default", tt.pod, tt.container, tt.opts)
			if err == nil || !tt.is(err) {
				t.Errorf("err = %v, want the errdefs class", err)
			}
		})
	}
}
