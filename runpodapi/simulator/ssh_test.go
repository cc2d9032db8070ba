package simulator

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestSSHExec(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	key := newSSHKey(t)
	env := wrapperEnv([]wrapperFile{{"/etc/config/app.conf", "0644", []byte("a=1\nb=2\n")}}, "", "/etc/config")
	env["GREETING"] = "hello"
	p := runningPod(t, sim, clock, sshPodRequest(key, env))
	c := mustDial(t, sim, p, key)
	for _, tc := range []struct {
		name, cmd, stdin string
		env              map[string]string
		want             execResult
	}{
		{name: "script with exit", cmd: "echo hi; exit 7", want: execResult{stdout: "hi\n", status: 7}},
		{name: "sh -c", cmd: "sh -c 'echo hi; exit 7'", want: execResult{stdout: "hi\n", status: 7}},
		{name: "exit keeps the last status", cmd: "false; exit", want: execResult{status: 1}},
		{name: "stderr apart", cmd: "echo out && cat /missing", want: execResult{stdout: "out\n", stderr: "cat: /missing: No such file or directory\n", status: 1}},
		{name: "unknown program", cmd: "nvidia-smi", want: execResult{stderr: "sh: 1: nvidia-smi: not found\n", status: 127}},
		{name: "unemulated syntax", cmd: "echo a | wc -l", want: execResult{stderr: "sh: 1: syntax not emulated by the RunPod simulator (pipes, redirections, substitutions, if/for/case, globs)\n", status: 2}},
		{name: "stdin to cat", cmd: "cat", stdin: "line 1\nline 2\n", want: execResult{stdout: "line 1\nline 2\n"}},
		{name: "the wrapper's file", cmd: "cat /etc/config/app.conf", want: execResult{stdout: "a=1\nb=2\n"}},
		{name: "working directory is /", cmd: "pwd; cat app.conf", want: execResult{stdout: "/\n", stderr: "cat: app.conf: No such file or directory\n", status: 1}},
		{name: "container env", cmd: "echo $GREETING $RUNPOD_POD_ID", want: execResult{stdout: "hello " + p.ID + "\n"}},
		{name: "session env", cmd: `echo "$LANG"`, env: map[string]string{"LANG": "C.UTF-8"}, want: execResult{stdout: "C.UTF-8\n"}},
		{name: "kubectl cp's probe", cmd: "test -d /etc/config", want: execResult{}},
		{name: "kubectl cp's probe of a file", cmd: "test -d /etc/config/app.conf", want: execResult{status: 1}},
		{name: "the image's directories", cmd: "test -d /tmp && test -d /root && ls /", want: execResult{stdout: "etc\nroot\ntmp\n"}},
		{name: "mkdir and ls", cmd: "mkdir -p /data/x/y && ls /data /data/x", want: execResult{stdout: "/data:\nx\n\n/data/x:\ny\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := execSSH(t, c, tc.cmd, tc.stdin, tc.env); got != tc.want {
				t.Fatalf("%q = %+v, want %+v", tc.cmd, got, tc.want)
			}
		})
	}
}

// TestSSHCatStreams shows stdin reaches cat as it is typed, not at EOF.
func TestSSHCatStreams(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	key := newSSHKey(t)
	c := mustDial(t, sim, runningPod(t, sim, clock, sshPodRequest(key, nil)), key)
	sess, in, out := pipedSession(t, c)
	if err := sess.Start("cat"); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"ping\n", "pong\n"} {
		_, _ = io.WriteString(in, line)
		readUntil(t, out, line)
	}
	_ = in.Close()
	if err := sess.Wait(); err != nil {
		t.Fatalf("cat after EOF: %v", err)
	}
}

func TestSSHAuthentication(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	key, other, second := newSSHKey(t), newSSHKey(t), newSSHKey(t)
	withKey := runningPod(t, sim, clock, sshPodRequest(key, map[string]string{EnvPublicKey: "# keys\n" + key.line + "\nnot a key\n" + second.line + "\n"}))
	noKey := sshPodRequest(key, nil)
	delete(noKey.Env, EnvPublicKey)
	without := runningPod(t, sim, clock, noKey)
	for _, tc := range []struct {
		name string
		pod  runpodapi.Pod
		user string
		key  sshKey
		ok   bool
	}{
		{"authorized key", withKey, "root", key, true},
		{"second line of PUBLIC_KEY", withKey, "root", second, true},
		{"wrong key", withKey, "root", other, false},
		{"other user", withKey, "ubuntu", key, false},
		{"pod without PUBLIC_KEY", without, "root", key, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := dialSSH(sim, directAddr(t, tc.pod), tc.user, tc.key)
			if c != nil {
				_ = c.Close()
			}
			if (err == nil) != tc.ok {
				t.Fatalf("login error = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "unable to authenticate") {
				t.Fatalf("login error = %v, want an authentication failure", err)
			}
		})
	}
}

func TestSSHNeedsRunningPodWith22(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	key := newSSHKey(t)
	noPort := sshPodRequest(key, nil)
	noPort.Ports = []string{"8888/http", "6006/tcp"}
	plain := runningPod(t, sim, clock, noPort)
	if plain.Ssh.Direct != nil {
		t.Fatalf("pod without 22/tcp has ssh.direct %+v", plain.Ssh.Direct)
	}
	if _, _, ok := sim.SSHEndpoint(plain.ID); ok {
		t.Fatal("pod without 22/tcp has an SSH endpoint")
	}

	booting := mustSeed(t, sim, sshPodRequest(key, nil))
	if booting.Ssh.Direct != nil {
		t.Fatalf("PROVISIONING pod has ssh.direct %+v", booting.Ssh.Direct)
	}
	if _, _, ok := sim.SSHEndpoint(booting.ID); ok {
		t.Fatal("PROVISIONING pod has an SSH endpoint")
	}
	sim.mu.Lock()
	early := sim.st.pods[booting.ID].boot.sshPort
	sim.mu.Unlock()
	if early == 0 {
		t.Fatal("the boot has no listener bound")
	}
	if c, err := dialSSH(sim, "127.0.0.1:"+strconv.Itoa(early), "root", key); err == nil {
		_ = c.Close()
		t.Fatal("login to a PROVISIONING pod succeeded")
	}
	clock.Step(bootDelay)
	p := mustPod(t, sim, booting.ID)
	host, port, ok := sim.SSHEndpoint(p.ID)
	if !ok || host != p.Ssh.Direct.Host || port != p.Ssh.Direct.Port || port != early {
		t.Fatalf("SSHEndpoint = %s:%d %v, ssh.direct %+v, bound %d", host, port, ok, p.Ssh.Direct, early)
	}
	for _, m := range p.Runtime.Ports {
		if m.Private == 22 && (m.Public == nil || *m.Public != port) {
			t.Fatalf("runtime mapping of 22/tcp = %+v, want public %d", m, port)
		}
	}
	mustDial(t, sim, p, key)
}

func TestStartSshInjectsAccountKeys(t *testing.T) {
	account, own := newSSHKey(t), newSSHKey(t)
	for _, tc := range []struct {
		name      string
		keys      []string
		startSSH  bool
		env       map[string]string
		want      string // PUBLIC_KEY in the pod's env; "" is unset
		loginWith *sshKey
	}{
		{name: "injected", keys: []string{account.line, own.line}, startSSH: true, want: account.line + "\n" + own.line, loginWith: &account},
		{name: "the request's own wins", keys: []string{account.line}, startSSH: true, env: map[string]string{EnvPublicKey: own.line}, want: own.line, loginWith: &own},
		{name: "without startSsh", keys: []string{account.line}},
		{name: "no registered key", startSSH: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, clock := newTestSim(t, nil)
			wantStatus(t, call(t, sim, "PUT", "/v2/account/ssh-keys", map[string][]string{"keys": append([]string{}, tc.keys...)}), 200)
			req := sshPodRequest(account, tc.env)
			if tc.env == nil {
				delete(req.Env, EnvPublicKey)
			}
			req.StartSsh = tc.startSSH
			p := runningPod(t, sim, clock, req)
			if got, set := p.Env[EnvPublicKey]; got != tc.want || set != (tc.want != "") {
				t.Fatalf("PUBLIC_KEY = %q (set %v), want %q", got, set, tc.want)
			}
			c, err := dialSSH(sim, directAddr(t, p), "root", account)
			if c != nil {
				_ = c.Close()
			}
			if tc.loginWith != nil {
				mustDial(t, sim, p, *tc.loginWith)
			} else if err == nil {
				t.Fatal("login succeeded without an authorized key")
			}
		})
	}
}

func TestSSHListenerClosed(t *testing.T) {
	key := newSSHKey(t)
	for _, tc := range []struct {
		name string
		env  map[string]string
		end  func(t *testing.T, sim *Simulator, clock *fakeClock, id string)
	}{
		{name: "stop", end: func(t *testing.T, sim *Simulator, _ *fakeClock, id string) { action(t, sim, id, "stop") }},
		{name: "terminate", end: func(t *testing.T, sim *Simulator, _ *fakeClock, id string) {
			wantStatus(t, call(t, sim, "DELETE", "/v2/pods/"+id, nil), 204)
		}},
		{name: "restart", end: func(t *testing.T, sim *Simulator, _ *fakeClock, id string) { action(t, sim, id, "restart") }},
		{name: "exit", env: map[string]string{EnvExitAfter: "1m"}, end: func(_ *testing.T, _ *Simulator, clock *fakeClock, _ string) {
			clock.Step(time.Minute)
		}},
		{name: "simulator closed", end: func(_ *testing.T, sim *Simulator, _ *fakeClock, _ string) { sim.Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, clock := newTestSim(t, nil)
			p := runningPod(t, sim, clock, sshPodRequest(key, tc.env))
			c := mustDial(t, sim, p, key)
			sess, err := c.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			if err := sess.Start("sleep infinity"); err != nil {
				t.Fatal(err)
			}
			addr := directAddr(t, p)
			tc.end(t, sim, clock, p.ID)
			eventually(t, "the listener closes", func() bool { return refuses(addr) })
			waited := make(chan error, 1)
			go func() { waited <- sess.Wait() }()
			select {
			case err := <-waited:
				var exit *ssh.ExitError
				if errors.As(err, &exit) {
					t.Fatalf("session ended with status %d, want the connection dropped", exit.ExitStatus())
				}
			case <-time.After(3 * time.Second):
				t.Fatal("the open session survived")
			}
			if _, _, ok := sim.SSHEndpoint(p.ID); ok {
				t.Fatal("SSHEndpoint still ok")
			}
		})
	}
}

// TestSSHAfterRestart: a restart binds a new listener and the mapping follows it.
func TestSSHAfterRestart(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	key := newSSHKey(t)
	p := runningPod(t, sim, clock, sshPodRequest(key, nil))
	action(t, sim, p.ID, "restart")
	clock.Step(5 * time.Second)
	again := mustPod(t, sim, p.ID)
	c := mustDial(t, sim, again, key)
	if got := execSSH(t, c, "echo back", "", nil); got.stdout != "back\n" {
		t.Fatalf("after restart: %+v", got)
	}
	if again.Ssh.Direct.Port == p.Ssh.Direct.Port {
		t.Fatalf("the restart kept port %d", p.Ssh.Direct.Port)
	}
}

func TestAdminSSH(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	key := newSSHKey(t)
	p := runningPod(t, sim, clock, sshPodRequest(key, nil))
	rec := call(t, sim, "GET", "/_sim/pods/"+p.ID+"/ssh", nil)
	wantStatus(t, rec, 200)
	info := decode[SSHInfoJSON](t, rec)
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(info.HostKey))
	if err != nil || info.Host != p.Ssh.Direct.Host || info.Port != p.Ssh.Direct.Port || info.Username != "root" ||
		!bytes.Equal(hostKey.Marshal(), sim.SSHHostKey().Marshal()) || info.WindowSizes == nil {
		t.Fatalf("admin ssh = %+v (%v), ssh.direct %+v", info, err, p.Ssh.Direct)
	}
	action(t, sim, p.ID, "stop")
	problemOf(t, call(t, sim, "GET", "/_sim/pods/"+p.ID+"/ssh", nil), 404)
}
