package simulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// sshUser is the only account of a simulated container, as ssh.direct says.
const sshUser = "root"

// sshHandshakeTimeout bounds a client that connects and never authenticates.
const sshHandshakeTimeout = 10 * time.Second

// podShell is what an SSH connection reaches inside the container: its env,
// its filesystem and the TCP servers its ports stand for, as the boot had
// them when the connection was admitted.
type podShell struct {
	podID   string
	env     map[string]string
	fs      *lockedFS
	ports   []int  // the container's TCP ports other than 22 (ssh_forward.go)
	sshAddr string // the pod's own sshd, for a forward to port 22
	now     func() time.Time
	ctx     context.Context // done when the pod's server shuts down
	record  func(WindowSize)
	spawn   func(func())
}

// lockedFS is the pod's filesystem behind the Simulator's mutex, which the
// container's TERM handler also runs under.
type lockedFS struct {
	mu *sync.Mutex
	v  *vfs
}

func (f *lockedFS) do(fn func(v *vfs)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.v)
}

// serveSSHConn admits one connection and serves its channels until it ends.
func (s *Simulator) serveSSHConn(ps *podSSH, c net.Conn) {
	defer c.Close()
	sh, authorized, ok := s.admitSSH(ps, c)
	if !ok {
		return
	}
	defer s.releaseSSH(ps, c)
	_ = c.SetDeadline(time.Now().Add(sshHandshakeTimeout)) // socket deadlines are wall time, whatever the simulator's clock
	conn, chans, reqs, err := ssh.NewServerConn(c, sshServerConfig(s.ssh.signer, authorized))
	if err != nil {
		return // a refused login or a broken handshake; the client sees why
	}
	defer conn.Close()
	_ = c.SetDeadline(time.Time{})
	sh.spawn(func() { ssh.DiscardRequests(reqs) }) // no global requests: tcpip-forward is not simulated
	for nc := range chans {
		switch nc.ChannelType() {
		case "session":
			sh.spawn(func() { sh.serveSession(nc) })
		case "direct-tcpip":
			sh.spawn(func() { sh.forward(nc) })
		default:
			_ = nc.Reject(ssh.UnknownChannelType, "unsupported channel type "+nc.ChannelType())
		}
	}
}

// admitSSH lets c in while the server's boot is RUNNING and records it so a
// stop closes it; it returns what the connection reaches.
func (s *Simulator) admitSSH(ps *podSSH, c net.Conn) (*podShell, []ssh.PublicKey, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.pods[ps.podID]
	now := s.now()
	switch {
	case ps.ctx.Err() != nil || p == nil || p.boot != ps.boot:
		return nil, nil, false
	case bootOver(ps.boot, now): // ended by itself since the last poll
		s.dropPodSSH(ps.podID)
		return nil, nil, false
	case ps.boot.statusAt(now) != runpodapi.StatusRunning: // bound early, serving only once RUNNING
		return nil, nil, false
	}
	ps.conns[c] = struct{}{}
	env := maps.Clone(ps.boot.env)
	sh := &podShell{
		podID: ps.podID, env: env, fs: &lockedFS{mu: &s.mu, v: ps.boot.prog.fs},
		ports: forwardPorts(ps.boot.ports), sshAddr: ps.ln.Addr().String(),
		now: s.now, ctx: ps.ctx, spawn: s.ssh.spawn,
		record: func(size WindowSize) { s.recordWindowSize(ps.podID, size) },
	}
	return sh, authorizedKeys(env), true
}

func (s *Simulator) releaseSSH(ps *podSSH, c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(ps.conns, c)
}

// sshServerConfig accepts root with one of the authorized keys, and nothing
// else: no password, no keyboard-interactive, no other user.
func sshServerConfig(signer ssh.Signer, authorized []ssh.PublicKey) *ssh.ServerConfig {
	cfg := &ssh.ServerConfig{
		ServerVersion: "SSH-2.0-runpod-simulator",
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if meta.User() != sshUser {
				return nil, fmt.Errorf("user %q: only %s may log in", meta.User(), sshUser)
			}
			for _, k := range authorized {
				if bytes.Equal(k.Marshal(), key.Marshal()) {
					return &ssh.Permissions{}, nil
				}
			}
			return nil, errors.New("public key not in PUBLIC_KEY")
		},
	}
	cfg.AddHostKey(signer)
	return cfg
}
