package simulator

import (
	"path"
	"slices"
	"time"
)

// Exit statuses of a program a stop ends without a handler of its own.
const (
	statusSIGTERM = 128 + 15 // killed by the stop's SIGTERM
	statusSIGKILL = 128 + 9  // ignored SIGTERM, or a handler that never finishes
)

// program is what a boot's container runs, decided when the boot begins:
// its output, when it ends by itself and with what status, and its TERM
// traps. Offsets are from the moment the container started.
type program struct {
	out     containerOutput
	ends    bool          // it ends by itself at end with status
	end     time.Duration // valid when ends
	status  int
	traps   []installedTrap
	fs      *vfs
	wrapped bool   // under the runpod-kubelet wrapper: its marker line follows the end
	podUID  string // RUNPOD_KUBELET_POD_UID, for the marker
}

// newProgram turns the pod's command into a program: the wrapper sets up
// the filesystem and runs its cmd; echo, cat, sleep, true, false, pwd and
// sh -c of the script subset are emulated; anything else, and no command
// at all, prints the default output forever.
func newProgram(cfg podConfig, podID string, interval time.Duration, logLines []string) *program {
	argv := cfg.command.argv()
	p := &program{fs: newVFS()}
	for _, d := range imageDirs(cfg.mounts) {
		p.fs.mkdirAll(d)
	}
	in := newInterp(p.fs)
	entered := true
	if child, isWrapper := wrapperChild(argv); isWrapper {
		p.wrapped, p.podUID, argv = true, cfg.env[EnvPodUID], child
		var lines []string
		lines, entered = populateVFS(p.fs, cfg.env)
		for _, line := range lines {
			in.print(line)
		}
	}
	s, ok := emulated(argv, cfg.env)
	switch {
	case !entered:
		s, ok, in.status = nil, true, 128 // the wrapper gives up before the command
	case p.wrapped && len(argv) == 0:
		s, ok = nil, true // "$@" with no words runs nothing and succeeds
	}
	if !ok {
		p.out = generatedOutput{pre: in.out, podID: podID, interval: interval, logLines: logLines}
		return p
	}
	in.run(s)
	p.out = emulatedOutput{lines: in.out, loop: in.loop}
	p.traps = in.traps
	if !in.forever {
		p.ends, p.end, p.status = true, in.now, in.status
	}
	return p
}

// emulated is the script argv runs with env, or false when argv is not emulated.
func emulated(argv []string, env map[string]string) (script, bool) {
	if len(argv) == 0 {
		return nil, false
	}
	switch name := path.Base(argv[0]); {
	case slices.Contains(programs, name):
		return script{{cmds: []statement{{argv: argv}}}}, true
	case (name == "sh" || name == "bash") && len(argv) >= 3 && argv[1] == "-c":
		s, err := parseScript(argv[2], env)
		return s, err == nil
	}
	return nil, false
}

// exitAt makes the program exit with status 0 at d unless it ends earlier
// (RUNPOD_SIM_EXIT_AFTER).
func (p *program) exitAt(d time.Duration) {
	if !p.ends || d < p.end {
		p.ends, p.end, p.status = true, d, 0
	}
}

// marker is the wrapper's last line once the program ended with status.
func (p *program) marker(status int) string { return exitMarker(status, p.podUID) }

// onTerm delivers SIGTERM d after the start: the lines printed at the stop
// (the TERM handler's, then the wrapper's marker).
func (p *program) onTerm(d time.Duration) []string {
	lines, status := p.termHandler(d)
	if p.wrapped {
		lines = append(lines, p.marker(status))
	}
	return lines
}

// termHandler runs the TERM trap active at d. The stop is instantaneous:
// the handler runs to its end at the stop, its sleeps take no time, and the
// program ends with the handler's exit status, or 0 when it has no exit.
// Without a trap the program dies of the signal (143); a trap ” or a
// handler that never finishes is killed (137), the latter after the lines
// it printed before its endless part.
func (p *program) termHandler(d time.Duration) ([]string, int) {
	var spec *trapSpec
	for _, t := range p.traps {
		if t.at <= d {
			spec = t.spec
		}
	}
	switch {
	case spec == nil || spec.reset:
		return nil, statusSIGTERM
	case spec.ignore:
		return nil, statusSIGKILL
	}
	in := newInterp(p.fs)
	in.noSleep = true
	in.run(spec.handler)
	lines := make([]string, len(in.out))
	for i, l := range in.out {
		lines[i] = l.text
	}
	switch {
	case in.forever:
		return lines, statusSIGKILL
	case in.exited:
		return lines, in.status
	}
	return lines, 0
}
