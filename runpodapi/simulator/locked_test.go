package simulator

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestLockedPodThroughTheClient(t *testing.T) {
	for _, tc := range []struct {
		name   string
		do     func(c *runpodapi.Client, id string) error
		status runpodapi.PodStatus // of a RUNNING pod afterwards; "" = gone
		want   error               // nil = allowed
	}{
		{"stop", func(c *runpodapi.Client, id string) error {
			_, err := c.PodAction(t.Context(), id, runpodapi.ActionStop)
			return err
		},
			runpodapi.StatusRunning, runpodapi.ErrLocked},
		{"restart", func(c *runpodapi.Client, id string) error {
			_, err := c.PodAction(t.Context(), id, runpodapi.ActionRestart)
			return err
		}, runpodapi.StatusRunning, runpodapi.ErrLocked},
		{"delete", func(c *runpodapi.Client, id string) error { return c.DeletePod(t.Context(), id) }, runpodapi.StatusRunning, runpodapi.ErrLocked},
		{"terminate", func(c *runpodapi.Client, id string) error {
			_, err := c.PodAction(t.Context(), id, runpodapi.ActionTerminate)
			return err
		}, runpodapi.StatusRunning, runpodapi.ErrLocked},
		{"rename", func(c *runpodapi.Client, id string) error {
			_, err := c.UpdatePod(t.Context(), id, runpodapi.UpdatePodRequest{Name: ptr("renamed")})
			return err
		}, runpodapi.StatusRunning, nil},
		{"unlock, then delete", func(c *runpodapi.Client, id string) error {
			if _, err := c.UpdatePod(t.Context(), id, runpodapi.UpdatePodRequest{Locked: ptr(false)}); err != nil {
				return err
			}
			return c.DeletePod(t.Context(), id)
		}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, clock, c := clientSim(t, nil)
			id := mustSeed(t, srv.Simulator, gpuRequest("locked", rtx4090, 1)).ID
			clock.Step(bootDelay)
			p, err := c.UpdatePod(t.Context(), id, runpodapi.UpdatePodRequest{Locked: ptr(true)})
			if err != nil || !p.Locked {
				t.Fatalf("lock = %+v, %v", p, err)
			}
			err = tc.do(c, id)
			if tc.want == nil && err != nil || tc.want != nil && !(errors.Is(err, tc.want) && errors.Is(err, runpodapi.ErrRejected)) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			got, ok := srv.Pod(id)
			if tc.status == "" {
				if ok {
					t.Fatalf("pod still there: %s", got.Status)
				}
				return
			}
			if !ok || got.Status != tc.status || !slices.Contains(got.Actions, runpodapi.ActionStop) {
				t.Fatalf("afterwards: %+v; want %s with stop still among the actions", got, tc.status)
			}
		})
	}
}

func TestLockedAnswerIsTheLiveOne(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	id := mustSeed(t, sim, gpuRequest("a", rtx4090, 1)).ID
	clock.Step(bootDelay)
	if err := sim.SetLocked(id, true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/v2/pods/" + id + "/action", map[string]string{"action": "stop"}},
		{http.MethodPost, "/v2/pods/" + id + "/action", map[string]string{"action": "restart"}},
		{http.MethodDelete, "/v2/pods/" + id, nil},
	} {
		if p := problemOf(t, call(t, sim, tc.method, tc.path, tc.body), 400); p.Detail != "Pod is locked" {
			t.Fatalf("%s %s: detail %q, want exactly \"Pod is locked\"", tc.method, tc.path, p.Detail)
		}
	}
	// An action the status does not allow is still the 409 it always was.
	if err := sim.SetStatus(id, runpodapi.StatusExited); err != nil {
		t.Fatal(err)
	}
	problemOf(t, call(t, sim, http.MethodPost, "/v2/pods/"+id+"/action", map[string]string{"action": "stop"}), 409)
	if p := action(t, sim, id, "start"); p.Status != runpodapi.StatusStarting || !p.Locked {
		t.Fatalf("start of a locked pod = %s locked=%v, want it allowed", p.Status, p.Locked)
	}
	if err := sim.SetLocked(id, false); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, call(t, sim, http.MethodDelete, "/v2/pods/"+id, nil), 204)
	if err := sim.SetLocked(id, true); err == nil {
		t.Fatalf("SetLocked on a deleted pod succeeded")
	}
}
