package podsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	"golang.org/x/crypto/ssh"
	utilexec "k8s.io/utils/exec"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// kubectl exec, cp and port-forward reach a RunPod pod over SSH as the
// node's identity (sshkey.go), at the direct endpoint the latest listing
// shows: no RunPod API call beyond the status loop's. The image must run
// sshd from PUBLIC_KEY, as RunPod's official images do.

// sshDialTimeout bounds connecting to a pod's sshd.
const sshDialTimeout = 15 * time.Second

// RunInContainer runs cmd in the pod over SSH: stdin, stdout, stderr, a
// terminal with its resizes, and the command's exit status as kubectl's.
func (p *Provider) RunInContainer(ctx context.Context, namespace, name, _ string, cmd []string, attach api.AttachIO) error {
	client, err := p.sshTo(ctx, namespace, name)
	if err != nil {
		return err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return fmt.Errorf("exec in %s/%s: open an SSH session: %w", namespace, name, err)
	}
	defer sess.Close()
	if in := attach.Stdin(); in != nil {
		sess.Stdin = in
	}
	if out := attach.Stdout(); out != nil {
		sess.Stdout = out
	}
	if errOut := attach.Stderr(); errOut != nil {
		sess.Stderr = errOut
	}
	if attach.TTY() {
		if err := sess.RequestPty("xterm", 24, 80, ssh.TerminalModes{ssh.ECHO: 1}); err != nil {
			return fmt.Errorf("exec in %s/%s: request a terminal: %w", namespace, name, err)
		}
		go forwardResizes(ctx, sess, attach.Resize())
	}
	if err := sess.Start(shellJoin(cmd)); err != nil {
		return fmt.Errorf("exec in %s/%s: start the command: %w", namespace, name, err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = sess.Signal(ssh.SIGTERM)
		client.Close()
		return ctx.Err()
	}
	var exit *ssh.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit):
		return utilexec.CodeExitError{Err: fmt.Errorf("command terminated with exit code %d", exit.ExitStatus()), Code: exit.ExitStatus()}
	default:
		return fmt.Errorf("exec in %s/%s: %w", namespace, name, err)
	}
}

func forwardResizes(ctx context.Context, sess *ssh.Session, sizes <-chan api.TermSize) {
	for {
		select {
		case <-ctx.Done():
			return
		case sz, ok := <-sizes:
			if !ok {
				return
			}
			_ = sess.WindowChange(int(sz.Height), int(sz.Width))
		}
	}
}

// PortForward tunnels one connection to the pod's loopback port through SSH.
func (p *Provider) PortForward(ctx context.Context, namespace, name string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	client, err := p.sshTo(ctx, namespace, name)
	if err != nil {
		return err
	}
	defer client.Close()
	conn, err := client.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		return fmt.Errorf("port-forward to %s/%s port %d: %w", namespace, name, port, err)
	}
	defer conn.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the client is done sending: half-close, so the reply still comes back
		defer wg.Done()
		_, _ = io.Copy(conn, stream)
		if hc, ok := conn.(interface{ CloseWrite() error }); ok {
			_ = hc.CloseWrite()
		} else {
			_ = conn.Close()
		}
	}()
	go func() { defer wg.Done(); _, _ = io.Copy(stream, conn); _ = stream.Close() }()
	done := make(chan struct{})
	go func() { // virtual-kubelet passes a context that may never end: stop with the copies too
		select {
		case <-ctx.Done():
		case <-done:
		}
		_ = conn.Close()
		_ = stream.Close()
	}()
	wg.Wait()
	close(done)
	return nil
}

// AttachToContainer is refused: RunPod gives no handle on the running
// command's streams; its output is in kubectl logs -f.
func (p *Provider) AttachToContainer(context.Context, string, string, string, api.AttachIO) error {
	return errdefs.InvalidInput("kubectl attach is not supported: RunPod gives no access to the running command's stdin or terminal; read its output with kubectl logs -f, or start a shell with kubectl exec -it")
}

// sshTo connects to the pod's sshd as the node's identity.
func (p *Provider) sshTo(ctx context.Context, namespace, name string) (*ssh.Client, error) {
	var rp *runpodapi.Pod
	var id string
	var known, optedOut bool
	p.tr.get(namespace+"/"+name, func(t *tracked) {
		known = true
		id = t.runpodID
		if t.runpod != nil {
			cp := *t.runpod
			rp = &cp
		}
		optedOut = t.noSSH || policy.SSHOptedOut(t.pod.Annotations)
	})
	switch {
	case !known:
		return nil, errdefs.NotFoundf("pod %s/%s is not on this node", namespace, name)
	case optedOut:
		return nil, errdefs.InvalidInputf("pod %s/%s opted out of SSH (runpod.io/ssh: \"false\" on it or its Job) or was created while the node's SSH key was unavailable: kubectl exec, cp and port-forward need the key in the pod", namespace, name)
	case id == "" || rp == nil:
		return nil, errdefs.InvalidInputf("pod %s/%s has no RunPod pod yet", namespace, name)
	case rp.Status != runpodapi.StatusRunning:
		return nil, errdefs.InvalidInputf("pod %s/%s: its RunPod pod %s is %s, not RUNNING", namespace, name, id, rp.Status)
	case rp.Ssh.Direct == nil || rp.Ssh.Direct.Host == "" || rp.Ssh.Direct.Port == 0:
		return nil, errdefs.InvalidInputf("pod %s/%s: RunPod shows no direct SSH endpoint for %s yet (it needs 22/tcp and a public IP); try again in a few seconds", namespace, name, id)
	}
	signer, _, err := p.sshKey(ctx)
	if err != nil {
		return nil, err
	}
	d := rp.Ssh.Direct
	user := d.Username
	if user == "" {
		user = "root"
	}
	addr := net.JoinHostPort(d.Host, strconv.Itoa(d.Port))
	cfg := &ssh.ClientConfig{
		User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, Timeout: sshDialTimeout,
		HostKeyCallback: p.hostKeys.callback(id),
	}
	dialer := net.Dialer{Timeout: sshDialTimeout}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to the SSH of RunPod pod %s at %s: %w", id, addr, err)
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, errdefs.InvalidInputf("the SSH of RunPod pod %s refused the node's key: does the image run sshd from PUBLIC_KEY (as RunPod's images do)? Pods created before the key Secret changed need recreating", id)
		}
		return nil, fmt.Errorf("SSH handshake with RunPod pod %s at %s: %w", id, addr, err)
	}
	return ssh.NewClient(c, chans, reqs), nil
}

// hostKeys pins each RunPod pod's host key on first use for the term:
// RunPod publishes none, so the first connection trusts and later ones check.
type hostKeys struct {
	mu   sync.Mutex
	byID map[string]string
}

func (h *hostKeys) callback(id string) ssh.HostKeyCallback {
	return func(_ string, _ net.Addr, key ssh.PublicKey) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.byID == nil {
			h.byID = map[string]string{}
		}
		fp := ssh.FingerprintSHA256(key)
		if pinned, ok := h.byID[id]; ok && pinned != fp {
			return fmt.Errorf("RunPod pod %s's SSH host key changed (%s, was %s)", id, fp, pinned)
		}
		h.byID[id] = fp
		return nil
	}
}

// shellJoin quotes argv for the remote shell, which SSH runs it through.
func shellJoin(argv []string) string {
	quoted := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
		}) < 0 {
			quoted[i] = a
			continue
		}
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(quoted, " ")
}
