package simulator

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
