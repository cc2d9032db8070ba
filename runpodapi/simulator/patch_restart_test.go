package simulator

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestPatchImageOrCommandRestarts(t *testing.T) {
	const restarted = "system: restarting container: image or command changed"
	for _, tc := range []struct {
		name    string
		advance time.Duration // since create
		body    string
		restart bool
		after   []runpodapi.PodStatus // status 0s, 6s, 11s after the PATCH
	}{
		{"image, running", bootDelay + time.Minute, `{"image":"busybox:1.37"}`, true,
			[]runpodapi.PodStatus{runpodapi.StatusStarting, runpodapi.StatusRunning, runpodapi.StatusRunning}},
		{"cmd, running", bootDelay + time.Minute, `{"cmd":["sleep","7"]}`, true,
			[]runpodapi.PodStatus{runpodapi.StatusStarting, runpodapi.StatusRunning, runpodapi.StatusRunning}},
		{"entrypoint, running", bootDelay + time.Minute, `{"entrypoint":["echo"]}`, true,
			[]runpodapi.PodStatus{runpodapi.StatusStarting, runpodapi.StatusExited, runpodapi.StatusExited}},
		{"args, starting", 12 * time.Second, `{"args":"echo new"}`, true,
			[]runpodapi.PodStatus{runpodapi.StatusStarting, runpodapi.StatusExited, runpodapi.StatusExited}},
		{"image, provisioning: provisions again", 8 * time.Second, `{"image":"busybox:1.37"}`, true,
			[]runpodapi.PodStatus{runpodapi.StatusProvisioning, runpodapi.StatusProvisioning, runpodapi.StatusStarting}},
		{"the same image and command", bootDelay + time.Minute, `{"image":"busybox:1.36","cmd":["sleep","infinity"]}`, false,
			[]runpodapi.PodStatus{runpodapi.StatusRunning, runpodapi.StatusRunning, runpodapi.StatusRunning}},
		{"env only", bootDelay + time.Minute, `{"env":{"A":"1"}}`, false,
			[]runpodapi.PodStatus{runpodapi.StatusRunning, runpodapi.StatusRunning, runpodapi.StatusRunning}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, clock := newTestSim(t, nil)
			id := mustSeed(t, sim, withCmd("sleep", "infinity")).ID
			clock.Step(tc.advance)
			rec := call(t, sim, http.MethodPatch, "/v2/pods/"+id, tc.body)
			wantStatus(t, rec, 200)
			var got []runpodapi.PodStatus
			for _, step := range []time.Duration{0, 6 * time.Second, 5 * time.Second} {
				clock.Step(step)
				got = append(got, mustPod(t, sim, id).Status)
			}
			if !slices.Equal(got, tc.after) {
				t.Fatalf("status 0s/6s/11s after the PATCH = %v, want %v", got, tc.after)
			}
			if did := slices.Contains(podEvents(t, sim, id), restarted); did != tc.restart {
				t.Fatalf("restarted = %v, want %v; log %q", did, tc.restart, podEvents(t, sim, id))
			}
		})
	}
}

func TestPatchRestartRunsTheNewCommand(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	id := mustSeed(t, sim, withCmd("sleep", "infinity")).ID
	clock.Step(bootDelay + time.Minute)
	first := *mustPod(t, sim, id).StartedAt
	wantStatus(t, call(t, sim, http.MethodPatch, "/v2/pods/"+id, `{"image":"alpine:3","cmd":["echo","new settings"]}`), 200)
	clock.Step(6 * time.Second)
	p := mustPod(t, sim, id)
	if p.Status != runpodapi.StatusExited || p.Image != "alpine:3" || !p.StartedAt.Equal(first) {
		t.Fatalf("after the restart: %s image %s startedAt %v, want EXITED alpine:3 %v", p.Status, p.Image, p.StartedAt, first)
	}
	if got := containerLog(t, sim, id); !slices.Equal(got, []string{"new settings"}) {
		t.Fatalf("container log %q", got)
	}
}

func TestPatchExitedPodWaitsForStart(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	id := mustSeed(t, sim, withCmd("echo", "old")).ID
	clock.Step(bootDelay + time.Second)
	wantStatus(t, call(t, sim, http.MethodPatch, "/v2/pods/"+id, `{"cmd":["echo","new"]}`), 200)
	clock.Step(time.Minute)
	if got := mustPod(t, sim, id).Status; got != runpodapi.StatusExited {
		t.Fatalf("PATCH of an EXITED pod: %s, want EXITED until start", got)
	}
	action(t, sim, id, "start")
	clock.Step(5 * time.Second)
	if got := containerLog(t, sim, id); !slices.Equal(got, []string{"old", "new"}) {
		t.Fatalf("container log %q, want old then new", got)
	}
}

func TestExitedPodKeepsItsLogs(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	id := mustSeed(t, sim, wrapped(cpuRequest("done", 2), "sh", "-c", "echo one; echo two; exit 3")).ID
	clock.Step(bootDelay + time.Second)
	if got := mustPod(t, sim, id).Status; got != runpodapi.StatusExited {
		t.Fatalf("status %s, want EXITED", got)
	}
	clock.Step(24 * time.Hour) // logs stay until the pod is deleted
	marker := "runpod-kubelet: exit status 3 " + testPodUID
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"system: container started", "container: one", "container: two", "container: " + marker, "system: container exited"}},
		{"?source=container&tail=1", []string{"container: " + marker}},
	} {
		rec := call(t, sim, http.MethodGet, "/v2/pods/"+id+"/logs"+tc.query, nil)
		wantStatus(t, rec, 200)
		var got []string
		for _, ev := range readAllEvents(t, rec.Body) { // the backfill, then the stream ends
			got = append(got, string(ev.Source)+": "+ev.Line)
		}
		if len(got) < len(tc.want) || !slices.Equal(got[len(got)-len(tc.want):], tc.want) {
			t.Fatalf("logs%s =\n%s\nwant it to end with\n%s", tc.query, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
	wantStatus(t, call(t, sim, http.MethodDelete, "/v2/pods/"+id, nil), 204)
	problemOf(t, call(t, sim, http.MethodGet, "/v2/pods/"+id+"/logs", nil), 404)
}
