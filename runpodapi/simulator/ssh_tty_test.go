package simulator

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestTTYLineDiscipline(t *testing.T) {
	for _, tc := range []struct {
		name, typed string
		lines       []ttyInput
		echo        string
	}{
		{"enter", "echo hi\r", []ttyInput{{data: "echo hi\n"}}, "echo hi\r\n"},
		{"CR LF is one line", "a\r\nb\n", []ttyInput{{data: "a\n"}, {data: "b\n"}}, "a\r\nb\r\n"},
		{"backspace", "ab\x7fc\r", []ttyInput{{data: "ac\n"}}, "ab\b \bc\r\n"},
		{"backspace on a UTF-8 rune", "é\x7fe\r", []ttyInput{{data: "e\n"}}, "é\b \be\r\n"},
		{"kill line", "abc\x15x\r", []ttyInput{{data: "x\n"}}, "abc\b \b\b \b\b \bx\r\n"},
		{"arrow keys are ignored", "a\x1b[A\x1bOBb\r", []ttyInput{{data: "ab\n"}}, "ab\r\n"},
		{"^D on an empty line", "\x04", []ttyInput{{eof: true}}, ""},
		{"^D flushes a partial line", "ab\x04", []ttyInput{{data: "ab"}}, "ab"},
		{"^C drops the line", "ab\x03c\r", []ttyInput{{intr: true}, {data: "c\n"}}, "ab^C\r\nc\r\n"},
		{"^C flushes typed-ahead lines", "a\rb\r\x03", []ttyInput{{intr: true}}, "a\r\nb\r\n^C\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var echo bytes.Buffer
			tt := newTTY(&echo)
			tt.feed(strings.NewReader(tc.typed))
			var got []ttyInput
			for {
				in, ok := tt.take(t.Context(), nil)
				if !ok {
					break
				}
				got = append(got, in)
			}
			if !slices.Equal(got, tc.lines) || echo.String() != tc.echo {
				t.Fatalf("lines %+v echo %q, want %+v %q", got, echo.String(), tc.lines, tc.echo)
			}
		})
	}
}

// TestSSHInteractiveShell drives a pty shell as a person at a terminal would.
func TestSSHInteractiveShell(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	key := newSSHKey(t)
	p := runningPod(t, sim, clock, sshPodRequest(key, map[string]string{"GREETING": "hello"}))
	c := mustDial(t, sim, p, key)
	sess, in, out := pipedSession(t, c)
	if err := sess.RequestPty("xterm", 40, 100, ssh.TerminalModes{ssh.ECHO: 1}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	readUntil(t, out, ttyPrompt)
	for _, step := range []struct{ typed, want string }{
		{"echo hi\r", "echo hi\r\nhi\r\n# "},
		{"echo $GREETING\r", "echo $GREETING\r\nhello\r\n# "},
		{"echo hx\x7fy\r", "echo hx\b \by\r\nhy\r\n# "},
		{"cat /nope\r", "cat /nope\r\ncat: /nope: No such file or directory\r\n# "},
		{"\x03", "^C\r\n# "},
		{"sleep infinity\r\x03", "sleep infinity\r\n^C\r\n# "},
		{"cat\rtyped\r\x04", "cat\r\ntyped\r\ntyped\r\n# "},
		{"nosuch\r", "nosuch\r\nsh: 1: nosuch: not found\r\n# "},
		{"bash\r", "bash\r\n# "}, // kubectl exec -it … -- bash: a shell inside the shell
		{"\x03", "^C\r\n# "},     // reaches the inner prompt, not the outer command
		{"sleep infinity\r\x03", "sleep infinity\r\n^C\r\n# "},
		{"exit 4\r", "exit 4\r\n# "},
		{"echo back\r", "echo back\r\nback\r\n# "},
	} {
		if _, err := io.WriteString(in, step.typed); err != nil {
			t.Fatal(err)
		}
		if got := readUntil(t, out, step.want); got != step.want {
			t.Fatalf("typed %q: read %q, want %q", step.typed, got, step.want)
		}
	}
	if err := sess.WindowChange(50, 120); err != nil {
		t.Fatal(err)
	}
	want := []WindowSize{{Cols: 100, Rows: 40}, {Cols: 120, Rows: 50}}
	eventually(t, "the window change is recorded", func() bool { return slices.Equal(sim.WindowSizes(p.ID), want) })
	_, _ = io.WriteString(in, "exit 3\r")
	readUntil(t, out, "exit 3\r\n")
	var exit *ssh.ExitError
	if err := sess.Wait(); !errors.As(err, &exit) || exit.ExitStatus() != 3 {
		t.Fatalf("shell ended with %v, want exit status 3", err)
	}
}

// TestSSHShellWithoutPty reads its script from stdin, as ssh host < script does.
func TestSSHShellWithoutPty(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	key := newSSHKey(t)
	c := mustDial(t, sim, runningPod(t, sim, clock, sshPodRequest(key, nil)), key)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	sess.Stdin = strings.NewReader("echo one\ncat\nfed to cat\n")
	sess.Stdout, sess.Stderr = &stdout, &stderr
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Wait(); err != nil || stdout.String() != "one\nfed to cat\n" || stderr.Len() != 0 {
		t.Fatalf("shell: err %v stdout %q stderr %q", err, stdout.String(), stderr.String())
	}
}

// TestSSHExecWithPty: one output stream, translated to CR LF, and status kept.
func TestSSHExecWithPty(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	key := newSSHKey(t)
	c := mustDial(t, sim, runningPod(t, sim, clock, sshPodRequest(key, nil)), key)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	sess.Stdout = &stdout
	if err := sess.RequestPty("xterm", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	err = sess.Run("echo a; cat /nope; exit 4")
	var exit *ssh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 4 || stdout.String() != "a\r\ncat: /nope: No such file or directory\r\n" {
		t.Fatalf("pty exec: %v, output %q", err, stdout.String())
	}
}

// TestSSHExecBashWithPty is kubectl exec -it … -- bash: exec of a shell on a
// terminal is interactive.
func TestSSHExecBashWithPty(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	key := newSSHKey(t)
	c := mustDial(t, sim, runningPod(t, sim, clock, sshPodRequest(key, nil)), key)
	sess, in, out := pipedSession(t, c)
	if err := sess.RequestPty("xterm", 24, 80, ssh.TerminalModes{ssh.ECHO: 1}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("/bin/bash -l"); err != nil {
		t.Fatal(err)
	}
	readUntil(t, out, ttyPrompt)
	_, _ = io.WriteString(in, "echo x\r")
	readUntil(t, out, "echo x\r\nx\r\n# ")
	_, _ = io.WriteString(in, "exit 2\r")
	var exit *ssh.ExitError
	if err := sess.Wait(); !errors.As(err, &exit) || exit.ExitStatus() != 2 {
		t.Fatalf("bash ended with %v, want exit status 2", err)
	}
}
