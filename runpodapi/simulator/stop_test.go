package simulator

import (
	"slices"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestStopDeliversSIGTERM(t *testing.T) {
	marker := func(n string) string { return "runpod-kubelet: exit status " + n + " " + testPodUID }
	const serve = "echo ready; while :; do sleep 1; done"
	for _, tc := range []struct {
		name  string
		req   runpodapi.CreatePodRequest
		after time.Duration // since RUNNING; negative: before it
		lines []string      // the container log once stopped
	}{
		{"no trap", withCmd("sleep", "infinity"), 10 * time.Second, nil},
		{"trap with exit", withCmd("sh", "-c", "trap 'echo bye; exit 3' TERM; "+serve), 10 * time.Second, []string{"ready", "bye"}},
		{"default output", withCmd("python", "train.py"), 2500 * time.Millisecond, []string{"step 1: loss=*", "step 2: loss=*"}},
		{"wrapped, no trap", wrapped(cpuRequest("w", 2), "sleep", "100"), 10 * time.Second, []string{marker("143")}},
		{"wrapped, trap with exit", wrapped(cpuRequest("w", 2), "sh", "-c", "trap 'echo bye; exit 3' TERM; "+serve), 10 * time.Second,
			[]string{"ready", "bye", marker("3")}},
		{"wrapped, trap without exit", wrapped(cpuRequest("w", 2), "sh", "-c", "trap 'echo draining; echo done' TERM; "+serve), time.Minute,
			[]string{"ready", "draining", "done", marker("0")}},
		{"wrapped, SIGTERM ignored", wrapped(cpuRequest("w", 2), "sh", "-c", "trap '' TERM; "+serve), time.Minute, []string{"ready", marker("137")}},
		{"wrapped, trap not installed yet", wrapped(cpuRequest("w", 2), "sh", "-c", "sleep 30; trap 'echo x' TERM; sleep 100"), 10 * time.Second,
			[]string{marker("143")}},
		{"wrapped, default output", wrapped(cpuRequest("w", 2), "python", "train.py"), 1500 * time.Millisecond, []string{"step 1: loss=*", marker("143")}},
		{"wrapped, stopped while starting", wrapped(cpuRequest("w", 2), "sleep", "100"), -2 * time.Second, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, clock := newTestSim(t, nil)
			id := mustSeed(t, sim, tc.req).ID
			clock.Step(bootDelay + tc.after)
			if got := action(t, sim, id, "stop"); got.Status != runpodapi.StatusExited {
				t.Fatalf("stop answered %s, want EXITED", got.Status)
			}
			clock.Step(time.Hour) // nothing more is printed after the stop
			if got := mustPod(t, sim, id).Status; got != runpodapi.StatusExited {
				t.Fatalf("an hour after the stop: %s, want EXITED", got)
			}
			if got := containerLog(t, sim, id); !linesMatch(got, tc.lines) {
				t.Fatalf("container log %q, want %q", got, tc.lines)
			}
			events := podEvents(t, sim, id)
			if last := events[len(events)-1]; last != "system: container stopped" {
				t.Fatalf("last event %q, want the system line after the container's", last)
			}
		})
	}
}

func TestStopOutputTimestamps(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	id := mustSeed(t, sim, withCmd("sh", "-c", "trap 'echo a; echo b; exit 1' TERM; sleep 100")).ID
	clock.Step(bootDelay + 10*time.Second)
	stopAt := clock.Now()
	action(t, sim, id, "stop")
	action(t, sim, id, "start") // at the same instant: its line must not go back in time
	sim.mu.Lock()
	var got []string
	for _, e := range sim.st.pods[id].log.hist[4:] {
		got = append(got, e.ts.Sub(stopAt).String()+" "+e.line)
	}
	sim.mu.Unlock()
	want := []string{"0s a", "1ms b", "1ms container stopped", "1ms starting container"}
	if !slices.Equal(got, want) {
		t.Fatalf("events after the stop = %q, want %q", got, want)
	}
}

func TestExitOnItsOwnIsExited(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  runpodapi.CreatePodRequest
	}{
		{"status 0", withCmd("true")},
		{"status 1", withCmd("false")},
		{"status 143", withCmd("sh", "-c", "exit 143")},
		{"wrapped failure", wrapped(cpuRequest("w", 2), "sh", "-c", "exit 2")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, clock := newTestSim(t, nil)
			id := mustSeed(t, sim, tc.req).ID
			clock.Step(bootDelay)
			p := mustPod(t, sim, id)
			if p.Status != runpodapi.StatusExited || p.StartedAt == nil || !slices.Equal(p.Actions, []runpodapi.PodAction{runpodapi.ActionStart, runpodapi.ActionTerminate}) {
				t.Fatalf("status %s startedAt %v actions %v, want EXITED, started, start|terminate", p.Status, p.StartedAt, p.Actions)
			}
			// start runs the program again: a new boot, a new run.
			action(t, sim, id, "start")
			clock.Step(5 * time.Second)
			if got := mustPod(t, sim, id).Status; got != runpodapi.StatusExited {
				t.Fatalf("after start: %s, want EXITED again", got)
			}
		})
	}
}
