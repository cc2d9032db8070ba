package simulator

import (
	"fmt"
	"strings"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Simulator-only pod environment variables (see doc.go).
const (
	EnvExitAfter = "RUNPOD_SIM_EXIT_AFTER" // Go duration: EXITED that long after RUNNING
	EnvFailAfter = "RUNPOD_SIM_FAIL_AFTER" // Go duration: ERROR that long after RUNNING
	EnvLogLines  = "RUNPOD_SIM_LOG_LINES"  // newline-separated container log lines, printed once in order
)

// boot is one pass of a pod toward RUNNING, begun by create, start, restart
// or a forced status. Its phases are computed from the clock, never by timers,
// so a thousand pods cost nothing while idle.
type boot struct {
	podID     string
	at        time.Time           // when this boot began
	from      runpodapi.PodStatus // PROVISIONING, STARTING or RUNNING
	provision time.Duration       // PROVISIONING → STARTING
	starting  time.Duration       // STARTING → RUNNING
	endAfter  time.Duration       // how long after RUNNING the run ends by itself
	endStatus runpodapi.PodStatus // "" = never; EXITED or ERROR
	interval  time.Duration       // one container log line per interval while RUNNING
	logLines  []string            // RUNPOD_SIM_LOG_LINES; nil = generated training output
	image     string
	emitted   int // events of this boot already moved to the pod's log history
}

// simEnv is what the simulator-only env vars ask of a run.
type simEnv struct {
	endAfter  time.Duration
	endStatus runpodapi.PodStatus
	logLines  []string
}

// parseSimEnv reads the simulator-only env vars; a malformed duration is a 400.
func parseSimEnv(env map[string]string) (simEnv, error) {
	var out simEnv
	for _, v := range []struct {
		key    string
		status runpodapi.PodStatus
	}{{EnvExitAfter, runpodapi.StatusExited}, {EnvFailAfter, runpodapi.StatusError}} {
		raw, ok := env[v.key]
		if !ok {
			continue
		}
		d, err := time.ParseDuration(raw)
		if err != nil || d < 0 {
			return simEnv{}, problemf(400, "env %s=%q is not a non-negative Go duration", v.key, raw)
		}
		if out.endStatus == "" || d < out.endAfter {
			out.endAfter, out.endStatus = d, v.status
		}
	}
	if raw, ok := env[EnvLogLines]; ok {
		out.logLines = strings.Split(strings.ReplaceAll(raw, `\n`, "\n"), "\n")
	}
	return out, nil
}

func (b *boot) startingAt() time.Time {
	if b.from == runpodapi.StatusProvisioning {
		return b.at.Add(b.provision)
	}
	return b.at
}

func (b *boot) runningAt() time.Time {
	switch b.from {
	case runpodapi.StatusRunning:
		return b.at
	case runpodapi.StatusStarting:
		return b.at.Add(b.starting)
	}
	return b.at.Add(b.provision + b.starting)
}

// endAt is when the run ends by itself; zero when it does not.
func (b *boot) endAt() time.Time {
	if b.endStatus == "" {
		return time.Time{}
	}
	return b.runningAt().Add(b.endAfter)
}

// statusAt is the pod status at t according to this boot alone.
func (b *boot) statusAt(t time.Time) runpodapi.PodStatus {
	switch {
	case t.Before(b.startingAt()):
		return runpodapi.StatusProvisioning
	case t.Before(b.runningAt()):
		return runpodapi.StatusStarting
	}
	if end := b.endAt(); !end.IsZero() && !t.Before(end) {
		return b.endStatus
	}
	return runpodapi.StatusRunning
}

// prologue are the system events of the boot before any container output.
func (b *boot) prologue() []logEvent {
	sys := func(ts time.Time, line string) logEvent {
		return logEvent{ts: ts, source: runpodapi.LogSourceSystem, line: line}
	}
	switch b.from {
	case runpodapi.StatusProvisioning:
		return []logEvent{
			sys(b.at, "pulling image "+b.image),
			sys(b.startingAt(), "image pulled: "+b.image),
			sys(b.runningAt(), "container started"),
		}
	default:
		return []logEvent{sys(b.runningAt(), "container started")}
	}
}

// containerLines is how many container lines the boot has printed by t.
func (b *boot) containerLines(t time.Time) int {
	run := b.runningAt()
	if t.Before(run) {
		return 0
	}
	limit := t
	if end := b.endAt(); !end.IsZero() && end.Before(limit) {
		limit = end
	}
	n := int(limit.Sub(run) / b.interval)
	if b.logLines != nil {
		n = min(n, len(b.logLines))
	}
	return n
}

// visible is how many events of the boot exist at t: the prologue prefix,
// the container lines, and the epilogue once the run has ended by itself.
func (b *boot) visible(t time.Time) int {
	n := 0
	for _, e := range b.prologue() {
		if e.ts.After(t) {
			break
		}
		n++
	}
	n += b.containerLines(t)
	if end := b.endAt(); !end.IsZero() && !end.After(t) {
		n++
	}
	return n
}

// event is the boot's j-th event (0-based); j must be below visible(t).
func (b *boot) event(j int) logEvent {
	pro := b.prologue()
	if j < len(pro) {
		return pro[j]
	}
	// A run that ends by itself prints containerLines(end) lines, then the epilogue.
	if k := j - len(pro) + 1; b.endStatus == "" || k <= b.containerLines(b.endAt()) {
		return logEvent{ts: b.runningAt().Add(time.Duration(k) * b.interval), source: runpodapi.LogSourceContainer, line: b.containerLine(k)}
	}
	line := "container exited"
	if b.endStatus == runpodapi.StatusError {
		line = "container failed: simulated failure (" + EnvFailAfter + ")"
	}
	return logEvent{ts: b.endAt(), source: runpodapi.LogSourceSystem, line: line}
}

// containerLine is the k-th (1-based) line the container prints.
func (b *boot) containerLine(k int) string {
	if b.logLines != nil {
		return b.logLines[k-1]
	}
	jitter := float64(hash32(b.podID, fmt.Sprint(k))%500) / 10000
	loss := 2.0/(1+0.05*float64(k)) + jitter
	return fmt.Sprintf("step %d: loss=%.4f", k, loss)
}
