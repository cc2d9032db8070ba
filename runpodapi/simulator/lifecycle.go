package simulator

import (
	"strings"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Simulator-only pod environment variables (see doc.go).
const (
	EnvExitAfter = "RUNPOD_SIM_EXIT_AFTER" // Go duration: the command exits 0 that long after RUNNING
	EnvFailAfter = "RUNPOD_SIM_FAIL_AFTER" // Go duration: ERROR that long after RUNNING
	EnvLogLines  = "RUNPOD_SIM_LOG_LINES"  // newline-separated default output, printed once in order
)

// boot is one pass of a pod toward RUNNING, begun by create, start, restart,
// a PATCH of image or command, or a forced status. Its phases and its
// container's output are computed from the clock, never by timers, so a
// thousand pods cost nothing while idle.
type boot struct {
	at        time.Time           // when this boot began
	from      runpodapi.PodStatus // PROVISIONING, STARTING or RUNNING
	provision time.Duration       // PROVISIONING → STARTING
	starting  time.Duration       // STARTING → RUNNING
	prog      *program            // what the container runs
	end       time.Duration       // how long after RUNNING the run ends by itself
	endStatus runpodapi.PodStatus // "" = never; EXITED (the program ended) or ERROR
	image     string
	denied    string            // the line of a refused pull: the boot stays in its first phase (private_images.go)
	emitted   int               // events of this boot already moved to the pod's log history
	env       map[string]string // the container's env, which SSH sessions see too
	ports     []string          // the ports the container serves (the pod's at boot)
	sshPort   int               // the real SSH listener of this boot (ssh_hub.go); 0 when none
}

// simEnv is what the simulator-only env vars ask of a run.
type simEnv struct {
	exitAfter, failAfter time.Duration
	exits, fails         bool
	logLines             []string
}

// parseSimEnv reads the simulator-only env vars; a malformed duration is a 400.
func parseSimEnv(env map[string]string) (simEnv, error) {
	var out simEnv
	for _, v := range []struct {
		key string
		d   *time.Duration
		set *bool
	}{{EnvExitAfter, &out.exitAfter, &out.exits}, {EnvFailAfter, &out.failAfter, &out.fails}} {
		raw, ok := env[v.key]
		if !ok {
			continue
		}
		d, err := time.ParseDuration(raw)
		if err != nil || d < 0 {
			return simEnv{}, problemf(400, "env %s=%q is not a non-negative Go duration", v.key, raw)
		}
		*v.d, *v.set = d, true
	}
	if raw, ok := env[EnvLogLines]; ok {
		out.logLines = strings.Split(strings.ReplaceAll(raw, `\n`, "\n"), "\n")
	}
	return out, nil
}

// newBootAt builds a boot of prog at t from phase from with the delays of
// o: the run ends when the program does (RUNPOD_SIM_EXIT_AFTER makes it exit
// 0 by then), or with ERROR at RUNPOD_SIM_FAIL_AFTER when that comes first.
func newBootAt(t time.Time, from runpodapi.PodStatus, o Options, image string, prog *program, env simEnv) *boot {
	if env.exits {
		prog.exitAt(env.exitAfter)
	}
	b := &boot{at: t, from: from, provision: o.ProvisioningDelay, starting: o.StartingDelay, image: image, prog: prog}
	if prog.ends {
		b.end, b.endStatus = prog.end, runpodapi.StatusExited
	}
	if env.fails && (b.endStatus == "" || env.failAfter < b.end) {
		b.end, b.endStatus = env.failAfter, runpodapi.StatusError
	}
	return b
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
	return b.runningAt().Add(b.end)
}

// statusAt is the pod status at t according to this boot alone.
func (b *boot) statusAt(t time.Time) runpodapi.PodStatus {
	if b.denied != "" {
		return b.from
	}
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

// marks reports whether the run ends with the wrapper's marker line: the
// wrapped command ended (not a simulated failure).
func (b *boot) marks() bool { return b.prog.wrapped && b.endStatus == runpodapi.StatusExited }

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

// containerLines is how many lines the program has printed by t (by the
// end of the run when that is earlier).
func (b *boot) containerLines(t time.Time) int {
	run := b.runningAt()
	if t.Before(run) {
		return 0
	}
	limit := t
	if end := b.endAt(); !end.IsZero() && end.Before(limit) {
		limit = end
	}
	return b.prog.out.count(limit.Sub(run))
}

// visible is how many events of the boot exist at t: the prologue prefix,
// the container lines, and, once the run has ended by itself, the wrapper's
// marker (when wrapped) and the epilogue.
func (b *boot) visible(t time.Time) int {
	if b.denied != "" {
		return b.pullEvents(t)
	}
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
		if b.marks() {
			n++
		}
	}
	return n
}

// event is the boot's j-th event (0-based); j must be below visible(t).
func (b *boot) event(j int) logEvent {
	if b.denied != "" {
		return b.pullEvent(j)
	}
	pro := b.prologue()
	if j < len(pro) {
		return pro[j]
	}
	k := j - len(pro)
	if b.endStatus == "" || k < b.containerLines(b.endAt()) {
		l := b.prog.out.line(k)
		return logEvent{ts: b.runningAt().Add(l.at), source: runpodapi.LogSourceContainer, line: l.text}
	}
	if b.marks() && k == b.containerLines(b.endAt()) {
		return logEvent{ts: b.endAt(), source: runpodapi.LogSourceContainer, line: b.prog.marker(b.prog.status)}
	}
	line := "container exited"
	if b.endStatus == runpodapi.StatusError {
		line = "container failed: simulated failure (" + EnvFailAfter + ")"
	}
	return logEvent{ts: b.endAt(), source: runpodapi.LogSourceSystem, line: line}
}
