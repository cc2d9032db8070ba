package simulator

import (
	"bytes"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// wrapperFile is one file the kubelet hands the wrapper.
type wrapperFile struct {
	path, mode string
	data       []byte
}

func wrapperEnv(files []wrapperFile, dirs, workdir string) map[string]string {
	env := map[string]string{EnvWrapperFiles: strconv.Itoa(len(files)), EnvWrapperDirs: dirs, EnvWrapperWorkDir: workdir}
	for i, f := range files {
		p, m, d := envWrapperFile(i)
		env[p], env[m], env[d] = f.path, f.mode, policy.EncodeFileData(f.data)
	}
	return env
}

// bootVFS is the filesystem of the pod's current boot.
func bootVFS(t *testing.T, sim *Simulator, id string) *vfs {
	t.Helper()
	sim.mu.Lock()
	defer sim.mu.Unlock()
	p := sim.st.pods[id]
	if p == nil || p.boot == nil {
		t.Fatalf("pod %s has no boot", id)
	}
	return p.boot.prog.fs
}

func TestWrapperFilesystem(t *testing.T) {
	binary := []byte{0, 0xff, 'a', '\\', '\n', 'b', 0x7f, '%'}
	files := []wrapperFile{
		{"/etc/app/app.conf", "0644", []byte("key=value\nname=\"x y\"\n")},
		{"/var/run/secrets/token", "0400", binary},
		{"/etc/app/run.sh", "755", []byte("#!/bin/sh\necho hi")},
		{"relative/path", "0644", []byte("x")},
		{"/etc/app/bad-mode", "rw", []byte("kept")},
	}
	req := wrapped(cpuRequest("wrapped", 2), "sleep", "infinity")
	maps.Copy(req.Env, wrapperEnv(files, "/cache::/tmp/scratch", "/etc/app"))
	sim, clock := newTestSim(t, nil)
	id := mustSeed(t, sim, req).ID
	clock.Step(bootDelay + 500*time.Millisecond)
	v := bootVFS(t, sim, id)
	for _, tc := range []struct {
		path string
		data []byte
		mode fs.FileMode
	}{
		{"/etc/app/app.conf", files[0].data, 0o644},
		{"/var/run/secrets/token", binary, 0o400},
		{"/etc/app/run.sh", files[2].data, 0o755},
		{"/etc/app/bad-mode", []byte("kept"), 0o644},
	} {
		f, ok := v.files[tc.path]
		if !ok || !bytes.Equal(f.data, tc.data) || f.mode != tc.mode {
			t.Errorf("%s = %q %v (exists %v), want %q %v", tc.path, f.data, f.mode, ok, tc.data, tc.mode)
		}
	}
	if len(v.files) != 4 {
		t.Errorf("files %v, want the four valid ones", slices.Sorted(maps.Keys(v.files)))
	}
	for _, d := range []string{"/", "/cache", "/tmp", "/tmp/scratch", "/etc", "/etc/app", "/var/run/secrets"} {
		if !v.dirs[d] {
			t.Errorf("directory %s missing; have %v", d, slices.Sorted(maps.Keys(v.dirs)))
		}
	}
	if v.workdir != "/etc/app" {
		t.Errorf("workdir %q", v.workdir)
	}
	want := []string{"runpod-kubelet: cannot write relative/path", "runpod-kubelet: cannot write /etc/app/bad-mode"}
	if got := containerLog(t, sim, id); !slices.Equal(got, want) {
		t.Errorf("container log %q, want %q", got, want)
	}
}

func TestWrappedCommands(t *testing.T) {
	env := wrapperEnv([]wrapperFile{
		{"/etc/app/app.conf", "0644", []byte("key=value\nlast line without newline")},
		{"/secrets/token", "0400", []byte{0, 0xff, 'a', '\n', 'b'}},
	}, "/cache", "/etc/app")
	marker := func(n string) string { return "runpod-kubelet: exit status " + n + " " + testPodUID }
	for _, tc := range []struct {
		name  string
		cmd   []string
		env   map[string]string // beside the files
		after time.Duration     // since RUNNING
		state runpodapi.PodStatus
		lines []string
	}{
		{"echo", []string{"echo", "hello"}, nil, time.Second, runpodapi.StatusExited, []string{"hello", marker("0")}},
		{"pwd is the workdir", []string{"pwd"}, nil, time.Second, runpodapi.StatusExited, []string{"/etc/app", marker("0")}},
		{"cat a wrapped file, relative to the workdir", []string{"cat", "app.conf"}, nil, time.Second, runpodapi.StatusExited,
			[]string{"key=value", "last line without newline", marker("0")}},
		{"cat binary content", []string{"cat", "/secrets/token"}, nil, time.Second, runpodapi.StatusExited,
			[]string{"\x00\xffa", "b", marker("0")}},
		{"cat a missing file", []string{"/bin/cat", "nope"}, nil, time.Second, runpodapi.StatusExited,
			[]string{"cat: nope: No such file or directory", marker("1")}},
		{"cat a directory", []string{"cat", "/cache"}, nil, time.Second, runpodapi.StatusExited,
			[]string{"cat: /cache: Is a directory", marker("1")}},
		{"a redirection is not emulated", []string{"sh", "-c", "cat ../app/app.conf > /dev/null"}, nil, time.Second, runpodapi.StatusRunning,
			[]string{"step 1: loss=*"}}, // a redirection is not emulated: the default output, no marker yet
		{"exit code", []string{"sh", "-c", "echo working; sleep 2; exit 42"}, nil, 3 * time.Second, runpodapi.StatusExited,
			[]string{"working", marker("42")}},
		{"still running", []string{"sh", "-c", "echo working; sleep 2; exit 42"}, nil, time.Second, runpodapi.StatusRunning,
			[]string{"working"}},
		{"no command", nil, nil, time.Second, runpodapi.StatusExited, []string{marker("0")}},
		{"workdir under a file", []string{"echo", "never"}, map[string]string{EnvWrapperWorkDir: "/secrets/token/x"}, time.Second,
			runpodapi.StatusExited, []string{"runpod-kubelet: cannot enter /secrets/token/x", marker("128")}},
		{"exit after, on a default command", []string{"python", "train.py"}, map[string]string{EnvExitAfter: "2s"}, time.Minute,
			runpodapi.StatusExited, []string{"step 1: loss=*", "step 2: loss=*", marker("0")}},
		{"fail after: no marker", []string{"sleep", "100"}, map[string]string{EnvFailAfter: "2s"}, time.Minute,
			runpodapi.StatusError, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, clock := newTestSim(t, nil)
			req := wrapped(cpuRequest("w", 2), tc.cmd...)
			maps.Copy(req.Env, env)
			maps.Copy(req.Env, tc.env)
			id := mustSeed(t, sim, req).ID
			clock.Step(bootDelay + tc.after)
			if got := mustPod(t, sim, id).Status; got != tc.state {
				t.Fatalf("status %s, want %s", got, tc.state)
			}
			if got := containerLog(t, sim, id); !linesMatch(got, tc.lines) {
				t.Fatalf("container log %q, want %q", got, tc.lines)
			}
		})
	}
}

// linesMatch compares log lines; a wanted line ending in "*" matches any
// line it prefixes (the default output's loss depends on the pod id).
func linesMatch(got, want []string) bool {
	return slices.EqualFunc(got, want, func(g, w string) bool {
		if prefix, ok := strings.CutSuffix(w, "*"); ok {
			return strings.HasPrefix(g, prefix)
		}
		return g == w
	})
}

func TestWrapperMarkerTiming(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	id := mustSeed(t, sim, wrapped(cpuRequest("w", 2), "sh", "-c", "echo a; sleep 2; echo b")).ID
	run := mustPod(t, sim, id).CreatedAt.Add(bootDelay)
	clock.Step(bootDelay + 2*time.Second)
	if got := mustPod(t, sim, id).Status; got != runpodapi.StatusRunning {
		t.Fatalf("at +2s: %s, want RUNNING until b is printed", got)
	}
	clock.Step(time.Second)
	sim.mu.Lock()
	p := sim.st.pods[id]
	p.settle(sim.now())
	var got []string
	for _, e := range p.log.hist {
		got = append(got, e.ts.Sub(run).String()+" "+string(e.source)+": "+e.line)
	}
	sim.mu.Unlock()
	want := []string{
		"0s system: container started",
		"0s container: a",
		"2.001s container: b",
		"2.002s container: runpod-kubelet: exit status 0 " + testPodUID,
		"2.002s system: container exited",
	}
	if !slices.Equal(got[len(got)-5:], want) {
		t.Fatalf("log tail =\n%q\nwant\n%q", got[len(got)-5:], want)
	}
}
