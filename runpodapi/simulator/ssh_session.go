package simulator

import (
	"bufio"
	"context"
	"io"
	"maps"
	"sync"

	"golang.org/x/crypto/ssh"
)

// Payloads of the session requests (RFC 4254 §6).
type (
	ptyRequestMsg struct {
		Term                         string
		Columns, Rows, Width, Height uint32
		Modes                        string
	}
	windowChangeMsg struct{ Columns, Rows, Width, Height uint32 }
	envRequestMsg   struct{ Name, Value string }
	execRequestMsg  struct{ Command string }
	exitStatusMsg   struct{ Status uint32 }
)

// session is one "session" channel: its env and terminal requests, then the
// one program (exec) or shell it runs.
type session struct {
	sh      *podShell
	ch      ssh.Channel
	env     map[string]string // from "env" requests
	pty     bool
	started bool
}

// serveSession answers the channel's requests until the client or the
// program closes it.
func (sh *podShell) serveSession(nc ssh.NewChannel) {
	ch, reqs, err := nc.Accept()
	if err != nil {
		return
	}
	ctx, cancel := context.WithCancel(sh.ctx)
	defer cancel()
	ss := &session{sh: sh, ch: ch, env: map[string]string{}}
	for req := range reqs {
		ok, start := ss.handle(req)
		if req.WantReply {
			_ = req.Reply(ok, nil)
		}
		if start != nil { // only after the reply: the client waits for it before it reads
			sh.spawn(func() { ss.finish(start(ctx)) })
		}
	}
}

// handle answers one request; start is the program an exec or shell begins.
func (ss *session) handle(req *ssh.Request) (ok bool, start func(context.Context) int) {
	switch req.Type {
	case "env":
		var m envRequestMsg
		if ssh.Unmarshal(req.Payload, &m) != nil {
			return false, nil
		}
		ss.env[m.Name] = m.Value
		return true, nil
	case "pty-req":
		var m ptyRequestMsg
		if ssh.Unmarshal(req.Payload, &m) != nil {
			return false, nil
		}
		ss.pty = true
		if m.Term != "" {
			ss.env["TERM"] = m.Term
		}
		ss.sh.record(WindowSize{Cols: int(m.Columns), Rows: int(m.Rows)})
		return true, nil
	case "window-change":
		var m windowChangeMsg
		if ssh.Unmarshal(req.Payload, &m) != nil {
			return false, nil
		}
		ss.sh.record(WindowSize{Cols: int(m.Columns), Rows: int(m.Rows)})
		return true, nil
	case "exec", "shell":
		if ss.started {
			return false, nil
		}
		var m execRequestMsg
		if req.Type == "exec" && ssh.Unmarshal(req.Payload, &m) != nil {
			return false, nil
		}
		ss.started = true
		return true, func(ctx context.Context) int { return ss.run(ctx, m.Command) }
	case "signal":
		return true, nil // accepted and not delivered, like the container's INT and HUP traps
	}
	return false, nil // subsystem (sftp), x11-req, auth-agent-req, break
}

// finish reports the program's status and closes the channel, as sshd does.
func (ss *session) finish(status int) {
	_ = ss.ch.CloseWrite()
	_, _ = ss.ch.SendRequest("exit-status", false, ssh.Marshal(exitStatusMsg{Status: uint32(status)}))
	_ = ss.ch.Close()
}

// run runs command (a shell when empty) and returns its exit status.
func (ss *session) run(ctx context.Context, command string) int {
	env := maps.Clone(ss.sh.env)
	maps.Copy(env, ss.env)
	shell := &liveShell{env: env, fs: ss.sh.fs, cwd: "/", now: ss.sh.now}
	if !ss.pty {
		shell.stdin, shell.stdout, shell.stderr = ss.ch, ss.ch, ss.ch.Stderr()
		if command == "" {
			return shell.readScript(ctx, bufio.NewReader(ss.ch))
		}
		shell.runLine(ctx, command)
		return shell.status
	}
	out := &lockedWriter{w: ss.ch}
	t := newTTY(out)
	ss.sh.spawn(func() { t.feed(ss.ch) })
	shell.stdout = onlcr{out} // a terminal has one output: stderr joins stdout
	shell.stderr = shell.stdout
	if command == "" {
		return t.interact(ctx, shell)
	}
	t.foreground(ctx, shell, command)
	return shell.status
}

// lockedWriter serialises the terminal's echo and the program's output.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
