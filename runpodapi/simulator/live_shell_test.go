package simulator

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// testShell is a session shell over a fresh filesystem with stdin.
func testShell(stdin string) (*liveShell, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	sh := &liveShell{
		env: map[string]string{"HOME": "/root", "NAME": "pod"}, fs: &lockedFS{mu: &sync.Mutex{}, v: newVFS()}, cwd: "/",
		stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr,
		now: func() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) },
	}
	sh.fs.v.write("/etc/app.conf", []byte("k=v\n"), 0o600)
	sh.fs.v.mkdirAll("/root")
	return sh, &stdout, &stderr
}

func TestLiveShell(t *testing.T) {
	for _, tc := range []struct {
		name, line, stdin string
		stdout, stderr    string
		status            int
		exited            bool
	}{
		{name: "echo and env", line: "echo hello $NAME", stdout: "hello pod\n"},
		{name: "and-or", line: "false && echo no || echo yes", stdout: "yes\n"},
		{name: "exit status", line: "exit 300", status: 44, exited: true},
		{name: "bad exit", line: "exit x", stderr: "sh: 1: exit: Illegal number: x\n", status: 2, exited: true},
		{name: "nested sh exits only itself", line: "sh -c 'exit 5'; echo after $NAME", stdout: "after pod\n"},
		{name: "nested status", line: "sh -c 'exit 5'", status: 5},
		{name: "sh reads its stdin", line: "sh", stdin: "echo from stdin\nexit 3\necho never\n", stdout: "from stdin\n", status: 3},
		{name: "sh FILE", line: "sh /etc/app.conf", stderr: "sh: 1: k=v: not found\n", status: 127},
		{name: "cat stdin and file", line: "cat - /etc/app.conf", stdin: "in\n", stdout: "in\nk=v\n"},
		{name: "cat a directory", line: "cat /etc", stderr: "cat: /etc: Is a directory\n", status: 1},
		{name: "cd and pwd", line: "cd /etc; pwd; cat app.conf; cd; pwd", stdout: "/etc\nk=v\n/root\n"},
		{name: "cd nowhere", line: "cd /nope", stderr: "sh: 1: cd: can't cd to /nope\n", status: 2},
		{name: "ls", line: "ls / /etc/app.conf", stdout: "/etc/app.conf\n\n/:\netc\nroot\n"},
		{name: "ls -la", line: "ls -l /etc", stdout: "-rw------- 1 root root        4 Jun  1 12:00 app.conf\n"},
		{name: "ls -d", line: "ls -d /etc", stdout: "/etc\n"},
		{name: "ls missing", line: "ls /nope", stderr: "ls: cannot access '/nope': No such file or directory\n", status: 2},
		{name: "ls bad flag", line: "ls -Z", stderr: "ls: invalid option -- 'Z'\n", status: 2},
		{name: "mkdir without -p", line: "mkdir /a/b", stderr: "mkdir: cannot create directory '/a/b': No such file or directory\n", status: 1},
		{name: "mkdir exists", line: "mkdir /etc", stderr: "mkdir: cannot create directory '/etc': File exists\n", status: 1},
		{name: "mkdir -p over a file", line: "mkdir -p /etc/app.conf/x", stderr: "mkdir: cannot create directory '/etc/app.conf/x': Not a directory\n", status: 1},
		{name: "mkdir -p", line: "mkdir -p -m 700 /a/b && test -d /a/b && test -d /a", status: 0},
		{name: "test -f", line: "test -f /etc/app.conf && test ! -f /etc && test -e /etc && test -s /etc/app.conf"},
		{name: "test strings", line: `test -n "$NAME" && test -z "$UNSET" && test pod = "$NAME" && test a != b && test x`},
		{name: "test integers", line: "test 3 -lt 10 && test 10 -ge 10 && test ! 1 -eq 2"},
		{name: "test false", line: "test -d /nope", status: 1},
		{name: "test bad", line: "test 1 -lt x", stderr: "sh: 1: test: Illegal number: x\n", status: 2},
		{name: "[", line: "[ -d /etc ] && echo dir", stdout: "dir\n"},
		{name: "[ without ]", line: "[ -d /etc", stderr: "sh: 1: [: missing ]\n", status: 2},
		{name: "env", line: "env", stdout: "HOME=/root\nNAME=pod\n"},
		{name: "while with exit", line: "while :; do echo once; exit 9; done", stdout: "once\n", status: 9, exited: true},
		{name: "sleep", line: "sleep 0.01s && echo woke", stdout: "woke\n"},
		{name: "bad sleep", line: "sleep x", stderr: "sleep: invalid time interval 'x'\n", status: 1},
		{name: "traps are accepted", line: "trap 'echo bye' TERM; echo on", stdout: "on\n"},
		{name: "open quote", line: "echo 'x", stderr: "sh: 1: Syntax error: Unterminated quoted string\n", status: 2},
		{name: "absolute program path", line: "/bin/echo ok", stdout: "ok\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh, stdout, stderr := testShell(tc.stdin)
			sh.runLine(t.Context(), tc.line)
			if stdout.String() != tc.stdout || stderr.String() != tc.stderr || sh.status != tc.status || sh.exited != tc.exited {
				t.Fatalf("%q: stdout %q stderr %q status %d exited %v; want %q %q %d %v",
					tc.line, stdout.String(), stderr.String(), sh.status, sh.exited, tc.stdout, tc.stderr, tc.status, tc.exited)
			}
		})
	}
}

// TestLiveShellLoopEndsWithContext: an endless loop stops with the session.
func TestLiveShellLoopEndsWithContext(t *testing.T) {
	sh, stdout, _ := testShell("")
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	go func() {
		sh.runLine(ctx, "while :; do :; done; echo never")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("the loop outlived its session")
	}
	if stdout.Len() != 0 {
		t.Fatalf("stdout %q", stdout.String())
	}
}
