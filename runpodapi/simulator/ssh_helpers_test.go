package simulator

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"maps"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// sshKey is a client identity: its signer and its authorized_keys line.
type sshKey struct {
	signer ssh.Signer
	line   string
}

func newSSHKey(t testing.TB) sshKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return sshKey{signer: signer, line: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))) + " test@runpod-kubelet"}
}

// sshPodRequest is a CPU pod running sleep infinity under the wrapper, with
// 22/tcp and PUBLIC_KEY holding key, plus env.
func sshPodRequest(key sshKey, env map[string]string, ports ...string) runpodapi.CreatePodRequest {
	req := wrapped(cpuRequest("ssh", 2), "sleep", "infinity")
	req.Ports = append([]string{"22/tcp"}, ports...)
	req.Env[EnvPublicKey] = key.line
	maps.Copy(req.Env, env)
	return req
}

// runningPod seeds req and moves the clock until it is RUNNING.
func runningPod(t testing.TB, sim *Simulator, clock *fakeClock, req runpodapi.CreatePodRequest) runpodapi.Pod {
	t.Helper()
	id := mustSeed(t, sim, req).ID
	clock.Step(bootDelay)
	p := mustPod(t, sim, id)
	if p.Status != runpodapi.StatusRunning {
		t.Fatalf("pod %s is %s, want RUNNING", id, p.Status)
	}
	return p
}

// directAddr is where a client reading the Pod answer connects: ssh.direct.
func directAddr(t testing.TB, p runpodapi.Pod) string {
	t.Helper()
	if p.Ssh.Direct == nil {
		t.Fatalf("pod %s has no ssh.direct", p.ID)
	}
	return net.JoinHostPort(p.Ssh.Direct.Host, strconv.Itoa(p.Ssh.Direct.Port))
}

// dialSSH logs in as user with key, checking the simulator's host key.
func dialSSH(sim *Simulator, addr, user string, key sshKey) (*ssh.Client, error) {
	return ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User: user, Auth: []ssh.AuthMethod{ssh.PublicKeys(key.signer)},
		HostKeyCallback: ssh.FixedHostKey(sim.SSHHostKey()), Timeout: 5 * time.Second,
	})
}

func mustDial(t testing.TB, sim *Simulator, p runpodapi.Pod, key sshKey) *ssh.Client {
	t.Helper()
	c, err := dialSSH(sim, directAddr(t, p), p.Ssh.Direct.Username, key)
	if err != nil {
		t.Fatalf("ssh to pod %s: %v", p.ID, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// execResult is what one exec session produced.
type execResult struct {
	stdout, stderr string
	status         int
}

// execSSH runs cmd in a new session with stdin and the session env.
func execSSH(t testing.TB, c *ssh.Client, cmd, stdin string, env map[string]string) execResult {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for k, v := range env {
		if err := sess.Setenv(k, v); err != nil {
			t.Fatalf("setenv %s: %v", k, err)
		}
	}
	var stdout, stderr bytes.Buffer
	sess.Stdin, sess.Stdout, sess.Stderr = strings.NewReader(stdin), &stdout, &stderr
	err = sess.Run(cmd)
	res := execResult{stdout: stdout.String(), stderr: stderr.String()}
	var exit *ssh.ExitError
	switch {
	case errors.As(err, &exit):
		res.status = exit.ExitStatus()
	case err != nil:
		t.Fatalf("run %q: %v", cmd, err)
	}
	return res
}

// readUntil reads r until the bytes read end with want, or fails after a while.
// pipedSession opens a session on c with its stdin and stdout as pipes.
func pipedSession(t testing.TB, c *ssh.Client) (*ssh.Session, io.WriteCloser, io.Reader) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := sess.StdinPipe()
	out, _ := sess.StdoutPipe()
	return sess, in, out
}

func readUntil(t testing.TB, r io.Reader, want string) string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		var buf []byte
		b := make([]byte, 1)
		for !bytes.HasSuffix(buf, []byte(want)) {
			if _, err := r.Read(b); err != nil {
				break
			}
			buf = append(buf, b[0])
		}
		got <- string(buf)
	}()
	select {
	case s := <-got:
		if !strings.HasSuffix(s, want) {
			t.Fatalf("read %q, want it to end with %q", s, want)
		}
		return s
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %q", want)
	}
	return ""
}

// eventually polls cond for up to 3s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out: %s", what)
}

// refuses reports whether nothing listens at addr any more.
func refuses(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	_ = c.Close()
	return false
}
