package simulator

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// liveShell runs command lines of an SSH session. It shares the language
// and its parser with the container's programs (script_parse.go, interp.go)
// but runs now, in real time, with stdin, stdout and stderr, over the pod's
// filesystem, and knows the tools a login needs: tar, ls, mkdir, test, cd.
type liveShell struct {
	env            map[string]string
	fs             *lockedFS
	cwd            string
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
	tty            *tty // the session's terminal, nil without a pty
	status         int
	exited         bool // exit ran: the session ends with status
}

// minLoopPeriod keeps a loop that neither sleeps nor waits from spinning a core.
const minLoopPeriod = 10 * time.Millisecond

// runLine parses and runs one command line; what the emulator does not know
// is reported on stderr with sh's status 2.
func (sh *liveShell) runLine(ctx context.Context, src string) {
	s, err := parseSessionScript(src, sh.env)
	if err != nil {
		why := "syntax not emulated by the RunPod simulator (pipes, redirections, substitutions, if/for/case, globs)"
		if errors.Is(err, errUnterminated) {
			why = "Syntax error: Unterminated quoted string"
		}
		sh.errorf("sh: 1: %s", why)
		sh.status = 2
		return
	}
	sh.run(ctx, s)
}

// readScript runs the lines of r as sh reads a script from stdin; the
// programs it runs read the rest of r.
func (sh *liveShell) readScript(ctx context.Context, r *bufio.Reader) int {
	sh.stdin = r
	for !sh.exited && ctx.Err() == nil {
		line, err := r.ReadString('\n')
		if strings.TrimSpace(line) != "" {
			sh.runLine(ctx, line)
		}
		if err != nil {
			break
		}
	}
	return sh.status
}

func (sh *liveShell) errorf(format string, args ...any) {
	_, _ = fmt.Fprintf(sh.stderr, format+"\n", args...)
}

func (sh *liveShell) printf(format string, args ...any) {
	_, _ = fmt.Fprintf(sh.stdout, format, args...)
}

func (sh *liveShell) run(ctx context.Context, s script) {
	for _, ao := range s {
		if sh.exited || ctx.Err() != nil {
			return
		}
		sh.andOr(ctx, ao)
	}
}

// andOr runs cmd && cmd || cmd … as interp.andOr does.
func (sh *liveShell) andOr(ctx context.Context, ao andOr) {
	for i, c := range ao.cmds {
		if sh.exited || ctx.Err() != nil {
			return
		}
		if i > 0 && (ao.ops[i-1] == "&&") != (sh.status == 0) {
			continue
		}
		if c.loop {
			sh.loop(ctx, c.body)
		} else {
			sh.simple(ctx, c.argv)
		}
	}
}

// loop runs `while :` until exit or the session ends.
func (sh *liveShell) loop(ctx context.Context, body script) {
	for !sh.exited && ctx.Err() == nil {
		start := time.Now() // wall time on purpose: a live session sleeps in real time, not on the simulator's clock
		sh.run(ctx, body)
		if d := minLoopPeriod - time.Since(start); d > 0 {
			sleepCtx(ctx, d)
		}
	}
}

func (sh *liveShell) simple(ctx context.Context, argv []string) {
	name, args := argv[0], argv[1:]
	if name == "exit" {
		sh.exit(args) // before the reset: a bare exit keeps the last status
		return
	}
	sh.status = 0
	switch name {
	case ":", "trap": // no signal reaches a session's programs
	case "cd":
		sh.cd(args)
	default:
		sh.program(ctx, name, args)
	}
}

// program runs an emulated program by base name (/bin/ls is ls).
func (sh *liveShell) program(ctx context.Context, name string, args []string) {
	switch path.Base(name) {
	case "true":
	case "false":
		sh.status = 1
	case "echo":
		sh.printf("%s\n", strings.Join(args, " "))
	case "pwd":
		sh.printf("%s\n", sh.cwd)
	case "env":
		sh.printEnv(args)
	case "sleep":
		sh.sleep(ctx, args)
	case "cat":
		sh.cat(args)
	case "ls":
		sh.ls(args)
	case "mkdir":
		sh.mkdir(args)
	case "test":
		sh.test(args)
	case "[":
		if len(args) == 0 || args[len(args)-1] != "]" {
			sh.errorf("sh: 1: [: missing ]")
			sh.status = 2
			return
		}
		sh.test(args[:len(args)-1])
	case "tar":
		sh.tar(args)
	case "sh", "bash":
		sh.subshell(ctx, args)
	default:
		sh.errorf("sh: 1: %s: not found", name)
		sh.status = 127
	}
}

// exit ends the session with its operand (mod 256), or the last status.
func (sh *liveShell) exit(args []string) {
	sh.exited = true
	if len(args) == 0 {
		return
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 0 {
		sh.errorf("sh: 1: exit: Illegal number: %s", args[0])
		sh.status = 2
		return
	}
	sh.status = n & 255
}

// abs resolves name against the working directory.
func (sh *liveShell) abs(name string) string {
	if !path.IsAbs(name) {
		name = path.Join(sh.cwd, name)
	}
	return path.Clean(name)
}

func (sh *liveShell) cd(args []string) {
	dir := sh.env["HOME"]
	if len(args) > 0 {
		dir = args[0]
	}
	target, isDir := sh.abs(dir), false
	sh.fs.do(func(v *vfs) { isDir = v.dirs[target] })
	if !isDir {
		sh.errorf("sh: 1: cd: can't cd to %s", dir)
		sh.status = 2
		return
	}
	sh.cwd = target
}

// printEnv is env without operands: the environment, sorted.
func (sh *liveShell) printEnv(args []string) {
	if len(args) > 0 {
		sh.errorf("env: running a command is not emulated by the RunPod simulator")
		sh.status = 125
		return
	}
	keys := make([]string, 0, len(sh.env))
	for k := range sh.env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		sh.printf("%s=%s\n", k, sh.env[k])
	}
}

// sleep waits as the container's sleep does (interp.sleep), in real time.
func (sh *liveShell) sleep(ctx context.Context, args []string) {
	total, bad := sleepTotal(args)
	if bad != "" {
		sh.errorf("%s", bad)
		sh.status = 1
		return
	}
	sleepCtx(ctx, total)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// subshell is sh -c SCRIPT, sh FILE, or sh reading its script from stdin
// (interactive on a terminal); an exit inside ends only the subshell.
// Options before them (-e, -i, -l, -x) are ignored.
func (sh *liveShell) subshell(ctx context.Context, args []string) {
	child := *sh
	child.status, child.exited = 0, false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-c" && len(args[0]) > 1 {
		args = args[1:] // -e, -x, -l: not emulated, harmless to skip
	}
	switch {
	case len(args) == 0 && sh.tty != nil:
		sh.tty.interact(ctx, &child)
	case len(args) == 0:
		child.readScript(ctx, bufio.NewReader(sh.stdin))
	case args[0] == "-c" && len(args) >= 2:
		child.runLine(ctx, args[1])
	case args[0] == "-c":
		sh.errorf("sh: 0: -c requires an argument")
		sh.status = 2
		return
	default:
		data, ok := sh.readFile(args[0])
		if !ok {
			sh.errorf("sh: 0: cannot open %s: No such file", args[0])
			sh.status = 2
			return
		}
		child.runLine(ctx, string(data))
	}
	sh.status = child.status
}
