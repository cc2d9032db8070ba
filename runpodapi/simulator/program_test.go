package simulator

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

const ms = time.Millisecond

// programOf builds the program a pod with this entrypoint and cmd runs.
func programOf(entrypoint, cmd []string) *program {
	return newProgram(podConfig{command: execCommand{entrypoint: entrypoint, cmd: cmd}}, "pod", time.Second, nil)
}

// printed renders the lines p prints by d as "offset text".
func printed(p *program, d time.Duration) []string {
	var out []string
	for k := range p.out.count(d) {
		l := p.out.line(k)
		out = append(out, fmt.Sprintf("%v %s", l.at, l.text))
	}
	return out
}

func TestEmulatedPrograms(t *testing.T) {
	const never = time.Duration(-1)
	sh := func(script string) []string { return []string{"sh", "-c", script} }
	for _, tc := range []struct {
		name   string
		argv   []string
		by     time.Duration // lines printed by then
		lines  []string
		end    time.Duration // never = runs until stopped
		status int
	}{
		{"echo", []string{"echo", "hello", "world"}, time.Hour, []string{"0s hello world"}, ms, 0},
		{"echo nothing", []string{"echo"}, time.Hour, []string{"0s "}, ms, 0},
		{"echo by path", []string{"/bin/echo", "-n", "x"}, time.Hour, []string{"0s -n x"}, ms, 0},
		{"true", []string{"true"}, time.Hour, nil, 0, 0},
		{"false", []string{"/usr/bin/false"}, time.Hour, nil, 0, 1},
		{"pwd", []string{"pwd"}, time.Hour, []string{"0s /"}, ms, 0},
		{"sleep", []string{"sleep", "5"}, time.Hour, nil, 5 * time.Second, 0},
		{"sleep fraction and suffix", []string{"sleep", "1.5", "2m"}, time.Hour, nil, 121500 * ms, 0},
		{"sleep infinity", []string{"sleep", "infinity"}, time.Hour, nil, never, 0},
		{"sleep bad", []string{"sleep", "soon"}, time.Hour, []string{"0s sleep: invalid time interval 'soon'"}, ms, 1},
		{"sleep no operand", []string{"sleep"}, time.Hour, []string{"0s sleep: missing operand"}, ms, 1},
		{"cat missing", []string{"cat", "/etc/nope", "-"}, time.Hour, []string{"0s cat: /etc/nope: No such file or directory"}, ms, 1},
		{"cat directory", []string{"cat", "/"}, time.Hour, []string{"0s cat: /: Is a directory"}, ms, 1},
		{"cat stdin", []string{"cat"}, time.Hour, nil, 0, 0},
		{"cmd after entrypoint", []string{"sh", "-c", "echo a; echo b"}, time.Hour, []string{"0s a", "1ms b"}, 2 * ms, 0},
		{"and", sh("echo a && echo b"), time.Hour, []string{"0s a", "1ms b"}, 2 * ms, 0},
		{"or after failure", sh("false && echo no || echo yes"), time.Hour, []string{"0s yes"}, ms, 0},
		{"and keeps the failure", sh("false && echo no"), time.Hour, nil, 0, 1},
		{"quoting", sh(`echo "a  b" 'c  "d"' e\ f "\"q\""`), time.Hour, []string{`0s a  b c  "d" e f "q"`}, ms, 0},
		{"newlines and comments", sh("# setup\necho x # trailing\n\necho y"), time.Hour, []string{"0s x", "1ms y"}, 2 * ms, 0},
		{"sleep moves time", sh("echo start; sleep 2; echo done"), time.Hour, []string{"0s start", "2.001s done"}, 2002 * ms, 0},
		{"exit", sh("echo a; exit 7; echo b"), time.Hour, []string{"0s a"}, ms, 7},
		{"exit keeps the status", sh("false; exit"), time.Hour, nil, 0, 1},
		{"exit mod 256", sh("exit 300"), time.Hour, nil, 0, 44},
		{"exit not a number", sh("exit x"), time.Hour, []string{"0s sh: exit: Illegal number: x"}, ms, 2},
		{"last status", sh("true; false"), time.Hour, nil, 0, 1},
		{"empty script", sh(""), time.Hour, nil, 0, 0},
		{"bin sh and bash", []string{"/bin/bash", "-c", "echo hi", "name", "extra"}, time.Hour, []string{"0s hi"}, ms, 0},
		{"endless loop", sh("while :; do echo tick; sleep 1; done"), 3 * time.Second,
			[]string{"0s tick", "1.001s tick", "2.002s tick"}, never, 0},
		{"endless loop after a prefix", sh("echo start\nwhile true\ndo\n  sleep 10\ndone"), time.Hour, []string{"0s start"}, never, 0},
		{"loop that exits", sh("while :; do echo once; exit 4; done; echo never"), time.Hour, []string{"0s once"}, ms, 4},
		{"loop in an and-list", sh("true && while :; do sleep 1; done"), time.Hour, nil, never, 0},
		{"nothing after forever", sh("sleep infinity; echo never"), time.Hour, nil, never, 0},
		{"trap without TERM is a no-op", sh("trap 'echo x' INT HUP; echo ok"), time.Hour, []string{"0s ok"}, ms, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := programOf(nil, tc.argv)
			if _, ok := p.out.(emulatedOutput); !ok {
				t.Fatalf("%q is not emulated", tc.argv)
			}
			if got := printed(p, tc.by); !slices.Equal(got, tc.lines) {
				t.Fatalf("lines by %v = %q, want %q", tc.by, got, tc.lines)
			}
			switch {
			case tc.end == never && p.ends:
				t.Fatalf("ends at %v with %d, want it to run until stopped", p.end, p.status)
			case tc.end != never && (!p.ends || p.end != tc.end || p.status != tc.status):
				t.Fatalf("ends=%v at %v with %d, want %v with %d", p.ends, p.end, p.status, tc.end, tc.status)
			}
		})
	}
}

func TestEntrypointAndCmdMakeTheArgv(t *testing.T) {
	p := programOf([]string{"/bin/sh", "-c"}, []string{"echo from-cmd"})
	if got := printed(p, time.Hour); !slices.Equal(got, []string{"0s from-cmd"}) {
		t.Fatalf("entrypoint+cmd printed %q", got)
	}
	p = programOf([]string{"echo", "a"}, []string{"b"})
	if got := printed(p, time.Hour); !slices.Equal(got, []string{"0s a b"}) {
		t.Fatalf("entrypoint echo a + cmd b printed %q", got)
	}
}

func TestEndlessLoopIsLazy(t *testing.T) {
	p := programOf(nil, []string{"sh", "-c", "echo a; while :; do echo x; echo y; sleep 1; done"})
	// a at 0; iteration i (period 1.002s from 1ms) prints x at 1ms+i*1.002s and y 1ms later.
	for _, d := range []time.Duration{0, ms, 2 * ms, time.Second, 1003 * ms, 1004 * ms, 24 * time.Hour} {
		want := 1
		for i := time.Duration(0); ms+i*1002*ms <= d; i++ {
			want++
			if 2*ms+i*1002*ms <= d {
				want++
			}
		}
		if n := p.out.count(d); n != want {
			t.Fatalf("lines by %v = %d, want %d", d, n, want)
		}
	}
	if l := p.out.line(4); l.text != "y" || l.at != 1004*ms {
		t.Fatalf("line 4 = %+v, want y at 1.004s", l)
	}
	if l := p.out.line(1 + 2*85999); l.text != "x" || l.at != ms+85999*1002*ms {
		t.Fatalf("line 171999 = %+v, want x of iteration 85999", l)
	}
}

func TestUnsupportedCommandsPrintTheDefaultOutput(t *testing.T) {
	for _, argv := range [][]string{
		nil,
		{"python", "train.py"},
		{"sh", "script.sh"},
		{"sh", "-c"},
		{"exit", "3"},
		{"sh", "-c", "echo $1"},
		{"sh", "-c", "echo ${HOME:-x}"},
		{"sh", "-c", "echo `date`"},
		{"sh", "-c", "echo a | cat"},
		{"sh", "-c", "echo a > /tmp/x"},
		{"sh", "-c", "sleep 1 &"},
		{"sh", "-c", "(echo sub)"},
		{"sh", "-c", "echo *"},
		{"sh", "-c", "ls /"},
		{"sh", "-c", "A=1 echo"},
		{"sh", "-c", "if true; then echo; fi"},
		{"sh", "-c", "while false; do :; done"},
		{"sh", "-c", "while :; do sleep 1"},
		{"sh", "-c", "echo 'unterminated"},
		{"sh", "-c", "trap 'echo bye' EXIT"},
		{"sh", "-c", "trap 'ls' TERM"},
		{"sh", "-c", "echo a;; echo b"},
		{"sh", "-c", "&& echo"},
		{"sh", "-c", "sh -c 'echo nested'"},
	} {
		if _, ok := programOf(nil, argv).out.(generatedOutput); !ok {
			t.Errorf("%q is emulated, want the default output", argv)
		}
	}
	p := programOf(nil, []string{"python", "train.py"})
	if p.ends || p.out.count(3*time.Second) != 3 || !strings.HasPrefix(p.out.line(0).text, "step 1: loss=") {
		t.Fatalf("default output: ends=%v, %d lines in 3s, first %q", p.ends, p.out.count(3*time.Second), p.out.line(0).text)
	}
}

func TestTermHandler(t *testing.T) {
	sh := func(script string) *program { return programOf(nil, []string{"sh", "-c", script}) }
	for _, tc := range []struct {
		name   string
		prog   *program
		at     time.Duration
		lines  []string
		status int
	}{
		{"no trap", sh("sleep 100"), time.Second, nil, 143},
		{"plain program", programOf(nil, []string{"sleep", "infinity"}), time.Second, nil, 143},
		{"handler with exit", sh("trap 'echo bye; exit 3' TERM; while :; do sleep 1; done"), time.Hour, []string{"bye"}, 3},
		{"handler without exit", sh("trap 'echo a; false' SIGTERM; sleep 100"), time.Second, []string{"a"}, 0},
		{"handler sleeps take no time", sh("trap 'sleep 30; echo late; exit 5' 15; sleep 100"), time.Second, []string{"late"}, 5},
		{"trap not yet installed", sh("sleep 30; trap 'echo x' TERM; sleep 100"), 10 * time.Second, nil, 143},
		{"trap installed at the stop", sh("sleep 30; trap 'echo x' TERM; sleep 100"), 30 * time.Second, []string{"x"}, 0},
		{"latest trap wins", sh("trap 'echo one' TERM; sleep 1; trap 'echo two' TERM; sleep 100"), 2 * time.Second, []string{"two"}, 0},
		{"trap reset", sh("trap 'echo one' TERM; trap - TERM; sleep 100"), time.Second, nil, 143},
		{"trap ignore", sh("trap '' TERM; sleep 100"), time.Second, nil, 137},
		{"handler never finishes", sh("trap 'echo a; sleep infinity; echo b' TERM; sleep 100"), time.Second, []string{"a"}, 137},
		{"handler loops", sh("trap 'echo a; while :; do echo b; done' TERM; sleep 100"), time.Second, []string{"a"}, 137},
		{"trap in a loop body", sh("while :; do trap 'echo in-loop' TERM; sleep 1; done"), time.Hour, []string{"in-loop"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines, status := tc.prog.termHandler(tc.at)
			if !slices.Equal(lines, tc.lines) || status != tc.status {
				t.Fatalf("SIGTERM at %v: %q status %d, want %q status %d", tc.at, lines, status, tc.lines, tc.status)
			}
		})
	}
}

func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"python train.py --lr 0.1", []string{"python", "train.py", "--lr", "0.1"}, false},
		{`  echo   'a b'  "c \"d\" \$x"  e\ f `, []string{"echo", "a b", `c "d" $x`, "e f"}, false},
		{`sh -c 'echo a && echo $HOME; exit 1'`, []string{"sh", "-c", "echo a && echo $HOME; exit 1"}, false},
		{`'it'\''s'`, []string{"it's"}, false},
		{"a\nb\tc", []string{"a", "b", "c"}, false},
		{`''`, []string{""}, false},
		{"", nil, false},
		{`echo 'open`, nil, true},
		{`echo "open`, nil, true},
	} {
		got, err := splitWords(tc.in)
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}
