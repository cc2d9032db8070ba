package e2e

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/tests/kubeletproc"
)

// exitCode is how a kubectl run ended: its exit status, -1 if it did not run.
func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}

// Scenario 20: debugging a RunPod pod with the tools people use. Over SSH
// as the node's key (the simulator runs a real SSH server per pod):
// `kubectl exec` prints and exits with the command's status, `exec -it`
// runs an interactive shell on a pseudo-terminal, `kubectl cp` copies in
// and out, `port-forward` reaches a server inside the pod, attach and an
// opted-out pod are refused with reasons, and the private key shows in no
// log, Event, annotation or metric.
func TestKubectlExecOverSSH(t *testing.T) {
	t.Parallel() // the exec latency is logged, not asserted: safe beside another scenario
	e := newEnv(t, nil)
	health := kubeletproc.FreeAddr(t)
	k := e.startKubelet("replica-a", "HEALTH_ADDR="+health)
	e.waitNodeReady()
	e.apply(gpuPod("shell", 1, nil, `      command: ["sh", "-c", "echo ready; sleep 3600"]
      ports:
        - containerPort: 8080
`))
	e.apply(gpuPod("private", 0, map[string]string{"runpod.io/ssh": "false"}, `      command: ["sh", "-c", "sleep 3600"]
`))
	p := e.waitPod("shell", 60*time.Second, "Running with SSH", func(p *corev1.Pod) bool {
		rp, ok := e.sim.Pod(p.Annotations[podsync.AnnotationPodID])
		return running(p) && ok && rp.Ssh.Direct != nil
	})
	id := p.Annotations[podsync.AnnotationPodID]

	// exec: output and exit status.
	var out, stderr string
	var err error
	e.eventually(30*time.Second, "kubectl exec to answer", func() (bool, string) {
		out, stderr, err = e.c.TryKubectl(t, "exec", "shell", "--", "sh", "-c", "echo hi; exit 7")
		return exitCode(err) == 7, out + stderr
	})
	if out != "hi\n" {
		t.Errorf("kubectl exec printed %q (stderr %q), want hi", out, stderr)
	}
	var took []time.Duration
	for range 3 {
		start := time.Now()
		e.c.Kubectl(t, "exec", "shell", "--", "true")
		took = append(took, time.Since(start).Round(time.Millisecond))
	}
	t.Logf("kubectl exec shell -- true took %v (kubectl → API server → kubelet → SSH → pod)", took)

	// cp in and out.
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte("weights v3\nline two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.c.Kubectl(t, "cp", in, "shell:/tmp/in.txt")
	if got := e.c.Kubectl(t, "exec", "shell", "--", "cat", "/tmp/in.txt"); got != "weights v3\nline two\n" {
		t.Errorf("the copied file reads %q in the pod", got)
	}
	back := filepath.Join(dir, "back.txt")
	e.c.Kubectl(t, "cp", "shell:/tmp/in.txt", back)
	if got, _ := os.ReadFile(back); string(got) != "weights v3\nline two\n" {
		t.Errorf("copied back %q", got)
	}

	// port-forward to the pod's server on 8080.
	pf := exec.Command(filepath.Join(e.c.BinDir, "kubectl"), "--kubeconfig", e.c.Kubeconfig, "port-forward", "pod/shell", ":8080")
	pfOut, _ := pf.StdoutPipe()
	if err := pf.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pf.Process.Kill(); _ = pf.Wait() })
	local := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> 8080`)
		sc := bufio.NewScanner(pfOut)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				local <- m[1]
			}
		}
	}()
	select {
	case port := <-local:
		resp, err := http.Get("http://127.0.0.1:" + port + "/")
		if err != nil {
			t.Fatalf("GET through port-forward: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "pod "+id+" port 8080") {
			t.Errorf("through port-forward: %q", body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("kubectl port-forward did not start")
	}

	// exec -it on a pseudo-terminal: type, read, exit with a status.
	it := exec.Command(filepath.Join(e.c.BinDir, "kubectl"), "--kubeconfig", e.c.Kubeconfig, "exec", "-it", "shell", "--", "sh")
	term, err := pty.Start(it)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	_ = pty.Setsize(term, &pty.Winsize{Rows: 40, Cols: 120})
	seen := make(chan string, 64)
	go func() {
		buf := make([]byte, 4096)
		var all strings.Builder
		for {
			n, err := term.Read(buf)
			all.Write(buf[:n])
			seen <- all.String()
			if err != nil {
				return
			}
		}
	}()
	waitFor := func(want string) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case s := <-seen:
				if strings.Contains(s, want) {
					return
				}
			case <-deadline:
				t.Fatalf("the interactive shell never showed %q", want)
			}
		}
	}
	waitFor("# ")
	_, _ = term.Write([]byte("echo interactive-shell\r"))
	waitFor("\r\ninteractive-shell\r\n")
	_, _ = term.Write([]byte("exit 3\r"))
	done := make(chan error, 1)
	go func() { done <- it.Wait() }()
	select {
	case err := <-done:
		if exitCode(err) != 3 {
			t.Errorf("kubectl exec -it ended %v, want exit status 3", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("kubectl exec -it did not end after exit 3")
	}

	sized := false
	for _, ws := range e.sim.WindowSizes(id) {
		sized = sized || ws.Cols == 120 && ws.Rows == 40
	}
	if !sized {
		t.Errorf("the pod's terminal sizes %+v never became the test terminal's 120x40", e.sim.WindowSizes(id))
	}

	// Refusals say why.
	if _, stderr, err := e.c.TryKubectl(t, "attach", "shell"); err == nil || !strings.Contains(stderr, "kubectl logs -f") {
		t.Errorf("kubectl attach: %v %q, want a refusal pointing at kubectl logs -f", err, stderr)
	}
	e.waitPod("private", 60*time.Second, "Running", running)
	if _, stderr, err := e.c.TryKubectl(t, "exec", "private", "--", "true"); err == nil || !strings.Contains(stderr, "opted out of SSH") {
		t.Errorf("exec into an opted-out pod: %v %q, want a refusal naming runpod.io/ssh", err, stderr)
	}

	// The private key is nowhere but its Secret.
	s, err := e.kube.CoreV1().Secrets("kube-system").Get(context.Background(), podsync.SSHKeySecretName(nodeName), metav1.GetOptions{})
	if err != nil || len(s.Data[corev1.SSHAuthPrivateKey]) == 0 {
		t.Fatalf("the node's SSH key Secret: %v", err)
	}
	var keyLines []string
	for _, l := range strings.Split(string(s.Data[corev1.SSHAuthPrivateKey]), "\n") {
		if len(l) > 20 && !strings.HasPrefix(l, "-----") {
			keyLines = append(keyLines, l)
		}
	}
	metrics := ""
	if resp, err := http.Get("http://" + health + "/metrics"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = string(b)
	}
	anns := ""
	for _, name := range []string{"shell", "private"} {
		for k, v := range e.pod(name).Annotations {
			anns += k + "=" + v + "\n"
		}
	}
	for where, text := range map[string]string{"the kubelet log": k.Text(), "Events": e.events("shell") + e.events("private"),
		"annotations": anns, "/metrics": metrics, "GET /v2/pods": plRawList(t, e)} {
		for _, l := range keyLines {
			if strings.Contains(text, l) {
				t.Errorf("%s shows the node's private SSH key", where)
				break
			}
		}
	}
}
