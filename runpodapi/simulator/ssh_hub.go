package simulator

// SSH (the package doc points here).
//
// GET /v2/account/ssh-keys answers {"keys": […]}; PUT {"keys": […]} replaces
// the whole set (trimmed, duplicates dropped; an entry that is not an SSH
// public key is 422) and answers it. A create with startSsh: true whose env
// has no PUBLIC_KEY gets PUBLIC_KEY = the registered keys, one a line, in the
// pod's env (GET shows it); with no key registered the flag does nothing.
// Running pods never see later changes.
//
// Every boot of a pod with 22/tcp in its ports runs a real SSH server
// (golang.org/x/crypto/ssh) on 127.0.0.1, on an ephemeral port bound when
// the boot begins, from the ports the pod had then: it serves only
// while the pod is RUNNING (a connection before that is closed at once) and
// is closed, with its connections, when the boot ends (stop, exit, ERROR,
// restart, a restarting PATCH, delete) or the simulator closes (an end the
// clock decides is noticed within 100ms). A RUNNING pod's ssh.direct is
// {host 127.0.0.1, port, username root, command "ssh root@127.0.0.1 -p
// PORT"}, and runtime.ports maps 22/tcp to that port (with the fake public
// IP of the other TCP mappings, which clients read as the pod's IP). When
// no port can be bound, ssh.direct and the mapping stay fake. The host key
// (ed25519) is made at New and is the same for every pod (SSHHostKey).
//
// Login: user root, public keys only, against the authorized_keys lines of
// the container's PUBLIC_KEY (secrets substituted; lines that are no key are
// skipped); without one every login is refused. Channels: "session" and
// "direct-tcpip"; global requests (remote forwarding) are refused.
//
// A session accepts env (added to the container's env), pty-req (TERM and its
// size), window-change (recorded with pty-req's size, in order: WindowSizes),
// exec, shell and signal (accepted, never delivered); subsystem (sftp),
// x11-req and agent forwarding are refused. exec runs its command as one
// line of the script language above, in real time: the container's env, the
// boot's filesystem, working directory "/", stdin, stdout and stderr apart,
// then exit-status and the channel closes. Its differences from a container
// program: any program name parses and an unknown one prints "sh: 1: NAME:
// not found" (127); a line beyond the subset prints "sh: 1: syntax not
// emulated by the RunPod simulator (…)" (2); sleep really waits; cat, sh and
// tar read stdin; traps are ignored; `while :` loops until exit or the
// session ends; `[` without a `]` in its word is literal. Besides echo, cat,
// sleep, true, false, pwd, exit and sh -c it knows: cd DIR; env (no
// operands); ls [-alAd1] (sorted, one a line, -l long); mkdir [-p] [-m M];
// test and [ (-e -f -d -s -r -w -x -n -z, = != -eq -ne -lt -le -gt -ge, !);
// sh FILE and sh with its script on stdin; and tar:
//
//	tar cf - PATH…                tar cf - -C DIR PATH…     (kubectl cp pod:PATH …)
//	tar -xmf - [-C DIR]           tar --no-same-permissions --no-same-owner -xmf - [-C DIR]
//	tar tf -                      and f FILE of the pod, z (gzip), v, bundled or not
//
// Created members drop a leading "/" (saying so on stderr, as GNU tar does),
// directories recurse in name order, files keep their mode, directories are
// 0755, owner root. Extraction makes parents, applies the umask 022 under
// --no-same-permissions, refuses names with "..", skips links and special
// files with a warning, and fails (status 2) on a missing -C directory or a
// broken archive; one member is at most 64 MiB. m, o, p and --same-owner are
// accepted. Not emulated: pipes (so kubectl cp --retries, which pipes to
// tail, fails), redirections, rm, cp, mv, symlinks, file times.
//
// With a pty the session is a terminal in canonical mode: typed characters
// are echoed, Enter (CR, LF or CR LF) ends a line, backspace and ^U edit it,
// escape sequences (arrow keys) are ignored, ^C flushes typed-ahead input
// and interrupts the running command (status 130) or the prompt, ^D on an
// empty line is end of file; output LF becomes CR LF and stderr joins
// stdout. shell, and an sh or bash without a script on a terminal (kubectl
// exec -it … -- bash), prompts "# ", runs each line and ends at exit [N]
// (with N), at ^D or when the input ends (with the last status). Not
// emulated: job control, history, completion, continuation lines, raw mode,
// the terminal modes a pty-req sends. shell without a pty runs stdin line by
// line with no prompt and no echo.
//
// direct-tcpip reaches the pod's loopback (127.0.0.0/8, ::1, localhost):
// port 22 is the pod's sshd, and every other port in ports (tcp or http) is
// an HTTP/1.1 server (keep-alive) answering any request 200 text/plain
// "runpod-simulator: pod <id> port <port>\n"; any other port or host is
// rejected with ConnectionFailed.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// sshHost is where pod SSH servers listen, and the host ssh.direct names.
const sshHost = "127.0.0.1"

// sshPollInterval is how often the hub looks for boots that ended by
// themselves (an exit, RUNPOD_SIM_FAIL_AFTER): status comes from the clock,
// so nothing else tells it.
const sshPollInterval = 100 * time.Millisecond

// WindowSize is a terminal size a session asked for (pty-req, window-change).
type WindowSize struct {
	Cols int `json:"cols"`
	Rows int `json:"rows"`
}

// sshHub owns the simulator's SSH servers: one host key, and one listener per
// boot of a pod with 22/tcp. The Simulator's mutex guards its maps and flags.
type sshHub struct {
	signer   ssh.Signer
	servers  map[string]*podSSH      // pod id → the server of its current boot
	sizes    map[string][]WindowSize // pod id → every size asked for, in order
	watching bool                    // the poller runs
	closed   bool                    // Simulator.Close: no new listener
	wg       sync.WaitGroup          // every goroutine of every server
}

// podSSH is the SSH server of one boot of one pod.
type podSSH struct {
	podID  string
	boot   *boot
	ln     net.Listener
	ctx    context.Context // done when the server shuts down: sessions end
	cancel context.CancelFunc
	conns  map[net.Conn]struct{} // guarded by the Simulator's mutex
}

func newSSHHub() *sshHub {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic("simulator: generate the SSH host key: " + err.Error())
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		panic("simulator: SSH host key: " + err.Error())
	}
	return &sshHub{signer: signer, servers: map[string]*podSSH{}, sizes: map[string][]WindowSize{}}
}

// spawn runs f in a goroutine that Close waits for.
func (h *sshHub) spawn(f func()) {
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		f()
	}()
}

// shutdown closes the listener and every connection; the lock is held.
func (ps *podSSH) shutdown() {
	ps.cancel()
	_ = ps.ln.Close()
	for c := range ps.conns {
		_ = c.Close()
	}
	clear(ps.conns)
}

// servesSSH reports whether a container with these ports runs sshd.
func servesSSH(ports []string) bool {
	return slices.ContainsFunc(ports, func(spec string) bool {
		port, proto, ok := parsePort(spec)
		return ok && port == 22 && proto == "tcp"
	})
}

// syncPodSSH gives p's current boot its SSH server, or none, after a
// lifecycle change; the lock is held. The listener is bound when the boot
// begins, so its port is known, and admits sessions only while RUNNING.
func (s *Simulator) syncPodSSH(p *pod) {
	h := s.ssh
	if old := h.servers[p.id]; old != nil {
		if p.boot != nil && old.boot == p.boot {
			return
		}
		old.shutdown()
		delete(h.servers, p.id)
	}
	if h.closed || p.boot == nil || p.boot.denied != "" || !servesSSH(p.boot.ports) {
		return
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(sshHost, "0"))
	if err != nil {
		return // out of ports or descriptors: the pod has no reachable sshd, ssh.direct stays the fake mapping
	}
	ctx, cancel := context.WithCancel(context.Background())
	ps := &podSSH{podID: p.id, boot: p.boot, ln: ln, ctx: ctx, cancel: cancel, conns: map[net.Conn]struct{}{}}
	p.boot.sshPort = ln.Addr().(*net.TCPAddr).Port
	p.tcpPublic[22] = p.boot.sshPort // the public mapping of 22/tcp is where sshd really is
	h.servers[p.id] = ps
	h.spawn(func() { s.acceptSSH(ps) })
	if !h.watching {
		h.watching = true
		h.spawn(s.watchSSH)
	}
}

// dropPodSSH shuts the server of a deleted pod down; the lock is held.
func (s *Simulator) dropPodSSH(id string) {
	if ps := s.ssh.servers[id]; ps != nil {
		ps.shutdown()
		delete(s.ssh.servers, id)
	}
}

// removePod deletes a pod and its SSH server; the lock is held.
func (s *Simulator) removePod(id string, t time.Time) {
	s.st.remove(id, t)
	s.dropPodSSH(id)
}

// watchSSH closes the servers of boots that ended by themselves; it stops
// when no server is left, and syncPodSSH starts it again.
func (s *Simulator) watchSSH() {
	tick := time.NewTicker(sshPollInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
		}
		s.mu.Lock()
		now := s.now()
		for id, ps := range s.ssh.servers {
			if p := s.st.pods[id]; p == nil || p.boot != ps.boot || bootOver(p.boot, now) {
				ps.shutdown()
				delete(s.ssh.servers, id)
			}
		}
		idle := len(s.ssh.servers) == 0
		s.ssh.watching = !idle
		s.mu.Unlock()
		if idle {
			return
		}
	}
}

// bootOver reports whether the run of b has ended by t.
func bootOver(b *boot, t time.Time) bool {
	st := b.statusAt(t)
	return st == runpodapi.StatusExited || st == runpodapi.StatusError
}

// closeSSH shuts every server down and waits for their goroutines.
func (s *Simulator) closeSSH() {
	s.mu.Lock()
	s.ssh.closed = true
	for id, ps := range s.ssh.servers {
		ps.shutdown()
		delete(s.ssh.servers, id)
	}
	s.mu.Unlock()
	s.ssh.wg.Wait()
}

// acceptSSH serves the listener until it is closed.
func (s *Simulator) acceptSSH(ps *podSSH) {
	for {
		c, err := ps.ln.Accept()
		switch {
		case errors.Is(err, net.ErrClosed) || ps.ctx.Err() != nil:
			if c != nil {
				_ = c.Close()
			}
			return
		case err != nil:
			time.Sleep(10 * time.Millisecond) // a transient failure (descriptors): try again
			continue
		}
		s.ssh.spawn(func() { s.serveSSHConn(ps, c) })
	}
}

// SSHEndpoint is where the SSH server of a RUNNING pod with 22/tcp listens
// (ssh.direct's host and port); ok is false when the pod serves none now.
func (s *Simulator) SSHEndpoint(podID string) (host string, port int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps, p := s.ssh.servers[podID], s.st.pods[podID]
	if ps == nil || p == nil || p.boot != ps.boot || p.boot.statusAt(s.now()) != runpodapi.StatusRunning {
		return "", 0, false
	}
	return sshHost, p.boot.sshPort, true
}

// SSHHostKey is the host key every pod's SSH server presents.
func (s *Simulator) SSHHostKey() ssh.PublicKey { return s.ssh.signer.PublicKey() }

// WindowSizes are the terminal sizes the pod's SSH sessions asked for
// (pty-req, then window-change), in order, over the pod's life (the last 256).
func (s *Simulator) WindowSizes(podID string) []WindowSize {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ssh.sizes[podID])
}

// maxWindowSizes bounds the sizes kept per pod: a client may resize forever.
const maxWindowSizes = 256

// recordWindowSize keeps a size a session of pod id asked for.
func (s *Simulator) recordWindowSize(id string, size WindowSize) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sizes := append(s.ssh.sizes[id], size)
	s.ssh.sizes[id] = sizes[max(0, len(sizes)-maxWindowSizes):]
}

// sshCommand is ssh.direct's ready-to-run command.
func sshCommand(host string, port int) string {
	return fmt.Sprintf("ssh root@%s -p %d", host, port)
}
