package simulator

import (
	"math"
	"path"
	"strconv"
	"strings"
	"time"
)

// lineGap is the simulated time one printed line takes, so a program's lines
// keep their order in time.
const lineGap = time.Millisecond

// maxSleep is where a sleep counts as forever (and time.Duration is safe).
const maxSleep = 100 * 365 * 24 * time.Hour

// interp runs a parsed script once, recording what it prints and when, in
// simulated time since the program began. It never waits: sleep only moves
// its clock, and an endless loop is recorded as one period.
type interp struct {
	fs      *vfs
	now     time.Duration
	status  int
	out     []outLine // printed lines, in order
	traps   []installedTrap
	exited  bool     // exit ran: status is final
	forever bool     // a statement never ends (sleep infinity, an endless loop)
	loop    *loopOut // the endless loop's output, when forever came from one
	noSleep bool     // a TERM handler: it runs at the stop instant
}

// installedTrap is a trap statement and when it ran.
type installedTrap struct {
	at   time.Duration
	spec *trapSpec
}

func newInterp(fs *vfs) *interp { return &interp{fs: fs} }

func (in *interp) halted() bool { return in.exited || in.forever }

func (in *interp) print(line string) {
	in.out = append(in.out, outLine{at: in.now, text: line})
	in.now += lineGap
}

func (in *interp) run(s script) {
	for _, ao := range s {
		if in.halted() {
			return
		}
		in.andOr(ao)
	}
}

// andOr runs cmd && cmd || cmd …: && runs the next only after status 0, ||
// only after a failure; a skipped command keeps the status.
func (in *interp) andOr(ao andOr) {
	for i, c := range ao.cmds {
		if in.halted() {
			return
		}
		if i > 0 && (ao.ops[i-1] == "&&") != (in.status == 0) {
			continue
		}
		if c.loop {
			in.while(c.body)
		} else {
			in.simple(c)
		}
	}
}

// while runs the body once. Iterations are identical (the language has no
// state they could change), so unless the first one exits or never ends,
// the loop is recorded as endless with that iteration as its period.
func (in *interp) while(body script) {
	start, first := in.now, len(in.out)
	in.status = 0
	in.run(body)
	if in.halted() {
		return
	}
	lines := make([]outLine, 0, len(in.out)-first)
	for _, l := range in.out[first:] {
		lines = append(lines, outLine{at: l.at - start, text: l.text})
	}
	in.out = in.out[:first]
	in.loop = &loopOut{start: start, period: in.now - start, lines: lines}
	in.forever = true
}

func (in *interp) simple(c statement) {
	args := c.argv[1:]
	if c.argv[0] == "exit" {
		in.exit(args)
		return
	}
	in.status = 0
	switch name := c.argv[0]; {
	case name == ":":
	case name == "trap":
		if c.trap != nil {
			in.traps = append(in.traps, installedTrap{at: in.now, spec: c.trap})
		}
	default:
		in.program(path.Base(name), args)
	}
}

// program runs one of the emulated programs.
func (in *interp) program(name string, args []string) {
	switch name {
	case "true":
	case "false":
		in.status = 1
	case "echo":
		in.print(strings.Join(args, " "))
	case "pwd":
		in.print(in.fs.workdir)
	case "cat":
		in.cat(args)
	case "sleep":
		in.sleep(args)
	}
}

// cat prints each file's lines (a last line without a newline still ends at
// the end of its file); "-" and no operand read an empty stdin.
func (in *interp) cat(files []string) {
	for _, f := range files {
		if f == "-" {
			continue
		}
		data, err := in.fs.read(f)
		if err != "" {
			in.print("cat: " + f + ": " + string(err))
			in.status = 1
			continue
		}
		if len(data) == 0 {
			continue
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			in.print(line)
		}
	}
}

// sleep waits for the sum of its operands (seconds, with an optional s, m, h
// or d suffix; infinity never ends).
func (in *interp) sleep(args []string) {
	total, bad := sleepTotal(args)
	if bad != "" {
		in.print(bad)
		in.status = 1
		return
	}
	if total >= maxSleep {
		in.forever = true
		return
	}
	if !in.noSleep {
		in.now += total
	}
}

// sleepTotal is the sum of sleep's operands, capped at maxSleep, or the
// message sleep prints for bad ones; the program and the SSH shell share it.
func sleepTotal(args []string) (time.Duration, string) {
	if len(args) == 0 {
		return 0, "sleep: missing operand"
	}
	var total time.Duration
	for _, a := range args {
		d, ok := parseSleep(a)
		if !ok {
			return 0, "sleep: invalid time interval '" + a + "'"
		}
		total = min(total+d, maxSleep)
	}
	return total, ""
}

func parseSleep(s string) (time.Duration, bool) {
	if s == "infinity" || s == "inf" {
		return maxSleep, true
	}
	unit := time.Second
	if n := len(s); n > 1 {
		if u, ok := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[s[n-1]]; ok {
			s, unit = s[:n-1], u
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) || strings.ContainsAny(s, "eEnNxX+") {
		return 0, false
	}
	if f*float64(unit) >= float64(maxSleep) {
		return maxSleep, true
	}
	return time.Duration(f * float64(unit)).Round(time.Millisecond), true
}

// exit ends the program with its operand (mod 256), or the last status.
func (in *interp) exit(args []string) {
	in.exited = true
	if len(args) == 0 {
		return
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 0 {
		in.print("sh: exit: Illegal number: " + args[0])
		in.status = 2
		return
	}
	in.status = n & 255
}
