package simulator

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// bootDelay is how long a new test pod takes to reach RUNNING (testOptions).
const bootDelay = 15 * time.Second

const testPodUID = "0c5e4b8e-7f1d-4c1a-9a37-3c2b1d5e6f70"

// wrapperScript stands in for policy.WrapperScript: the simulator recognises
// the wrapper by its first line only.
const wrapperScript = WrapperHeader + "\n" + `"$@"; echo "runpod-kubelet: exit status $? ${RUNPOD_KUBELET_POD_UID:-}"` + "\n"

// wrapped is the exec form of cmd under the wrapper (policy/wrapper.go, v1).
func wrapped(req runpodapi.CreatePodRequest, cmd ...string) runpodapi.CreatePodRequest {
	req.Entrypoint = []string{"/bin/sh", "-c", wrapperScript, "runpod-kubelet"}
	req.Cmd = cmd
	if req.Env == nil {
		req.Env = map[string]string{}
	}
	req.Env[EnvPodUID] = testPodUID
	return req
}

// withCmd is a CPU pod request running cmd.
func withCmd(cmd ...string) runpodapi.CreatePodRequest {
	req := cpuRequest("prog", 2)
	req.Cmd = cmd
	return req
}

// podEvents is the pod's whole log as the simulator holds it (exact bytes,
// no SSE encoding), rendered "source: line".
func podEvents(t *testing.T, sim *Simulator, id string) []string {
	t.Helper()
	sim.mu.Lock()
	defer sim.mu.Unlock()
	p, ok := sim.st.pods[id]
	if !ok {
		t.Fatalf("pod %s not found", id)
	}
	now := sim.now()
	var out []string
	for seq := p.log.first(); seq <= p.log.count(p.boot, now); seq++ {
		e, _ := p.log.at(p.boot, seq)
		out = append(out, string(e.source)+": "+e.line)
	}
	return out
}

// containerLines is the container lines of podEvents, without the source.
func containerLog(t *testing.T, sim *Simulator, id string) []string {
	t.Helper()
	var out []string
	for _, e := range podEvents(t, sim, id) {
		if line, ok := strings.CutPrefix(e, "container: "); ok {
			out = append(out, line)
		}
	}
	return out
}

// action posts a pod action and returns the pod it answers.
func action(t *testing.T, sim *Simulator, id, a string) runpodapi.Pod {
	t.Helper()
	rec := call(t, sim, http.MethodPost, "/v2/pods/"+id+"/action", map[string]string{"action": a})
	wantStatus(t, rec, 200)
	return decode[runpodapi.Pod](t, rec)
}
