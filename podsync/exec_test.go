package podsync

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	"golang.org/x/crypto/ssh"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilexec "k8s.io/utils/exec"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// testIO is an exec's streams, without a terminal.
type testIO struct {
	stdin       io.Reader
	stdout, err bytes.Buffer
}

func (t *testIO) Stdin() io.Reader            { return t.stdin }
func (t *testIO) Stdout() io.WriteCloser      { return nopWriteCloser{&t.stdout} }
func (t *testIO) Stderr() io.WriteCloser      { return nopWriteCloser{&t.err} }
func (t *testIO) TTY() bool                   { return false }
func (t *testIO) Resize() <-chan api.TermSize { return nil }

func authorizedKey(t *testing.T, comment string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ssh.NewPublicKey(pub)
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) + " " + comment
}

// exec and port-forward reach the pod over SSH as the node's key, which
// the kubelet keeps in its Secret; the account's keys stay in the pod.
func TestExecAndPortForwardOverSSH(t *testing.T) {
	pod := shPod("web", corev1.RestartPolicyNever, "sleep 600")
	pod.Spec.Containers[0].Ports = append(pod.Spec.Containers[0].Ports, corev1.ContainerPort{ContainerPort: 8080})
	closed := shPod("closed", corev1.RestartPolicyNever, "sleep 600")
	closed.Annotations = map[string]string{policy.AnnotationSSH: "false"}
	r := newRig(t, func(s *Settings) { s.Namespace = "kube-system" }, pod, closed)
	if _, err := r.kube.CoreV1().Secrets("kube-system").Create(context.Background(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: SSHKeySecretName(testNode), Namespace: "kube-system"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	alice := authorizedKey(t, "alice@laptop")
	r.sim.SetAccountSSHKeys([]string{alice})
	_ = r.p.CreatePod(r.ctx, pod)
	_ = r.p.CreatePod(r.ctx, closed)
	r.eventually("both running", func() bool {
		return phaseOf(r, "web") == corev1.PodRunning && phaseOf(r, "closed") == corev1.PodRunning
	})

	s, err := r.kube.CoreV1().Secrets("kube-system").Get(context.Background(), SSHKeySecretName(testNode), metav1.GetOptions{})
	if err != nil || len(s.Data[corev1.SSHAuthPrivateKey]) == 0 {
		t.Fatalf("the key Secret was not filled: %v", err)
	}
	rp := r.runpodOf("web")
	keys := rp.Env[policy.EnvPublicKey]
	if !strings.Contains(keys, alice) || !strings.Contains(keys, "runpod-kubelet@"+testNode) {
		t.Errorf("PUBLIC_KEY %q: want the account's key and the node's", keys)
	}

	io := &testIO{}
	err = r.p.RunInContainer(r.ctx, "default", "web", "main", []string{"sh", "-c", "echo hi; no-such-tool; exit 7"}, io)
	var code utilexec.CodeExitError
	if !errors.As(err, &code) || code.Code != 7 {
		t.Fatalf("exec ended %v, want exit status 7", err)
	}
	if io.stdout.String() != "hi\n" || !strings.Contains(io.err.String(), "no-such-tool: not found") {
		t.Errorf("stdout %q, stderr %q", io.stdout.String(), io.err.String())
	}
	withStdin := &testIO{stdin: strings.NewReader("from stdin\n")}
	if err := r.p.RunInContainer(r.ctx, "default", "web", "main", []string{"cat"}, withStdin); err != nil || withStdin.stdout.String() != "from stdin\n" {
		t.Errorf("cat: %v, %q", err, withStdin.stdout.String())
	}

	client, server := net.Pipe()
	go func() { _ = r.p.PortForward(r.ctx, "default", "web", 8080, server) }()
	req, _ := http.NewRequest(http.MethodGet, "http://localhost:8080/", nil)
	if err := req.Write(client); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(client), req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io2All(resp.Body)
	client.Close()
	if !strings.Contains(body, "port 8080") {
		t.Errorf("through port-forward: %q", body)
	}

	err = r.p.RunInContainer(r.ctx, "default", "closed", "main", []string{"true"}, &testIO{})
	if err == nil || !strings.Contains(err.Error(), "opted out of SSH") {
		t.Errorf("exec into an opted-out pod: %v", err)
	}
	if rc := r.runpodOf("closed"); strings.Contains(rc.Env[policy.EnvPublicKey], "runpod-kubelet@") {
		t.Error("an opted-out pod got the node's key")
	}
	if err := r.p.AttachToContainer(r.ctx, "default", "web", "main", &testIO{}); err == nil || !strings.Contains(err.Error(), "kubectl logs -f") {
		t.Errorf("attach: %v", err)
	}
}

func io2All(r io.Reader) (string, error) {
	b, err := io.ReadAll(r)
	return string(b), err
}

// runpodOf is the simulator's view of the RunPod pod made for a pod.
func (r *rig) runpodOf(name string) runpodapi.Pod {
	r.t.Helper()
	uid := string(uidOf(name))
	for _, rp := range r.sim.Pods() {
		if strings.HasSuffix(rp.Name, uid) {
			full, _ := r.sim.Pod(rp.ID)
			return full
		}
	}
	r.t.Fatalf("no RunPod pod for %s", name)
	return runpodapi.Pod{}
}
