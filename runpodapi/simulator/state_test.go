package simulator

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestLifecycleFollowsTheClock(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	created := mustSeed(t, sim, gpuRequest("train", rtx4090, 2))
	t0 := created.CreatedAt
	run := []runpodapi.PodAction{runpodapi.ActionStop, runpodapi.ActionRestart, runpodapi.ActionTerminate}
	boot := []runpodapi.PodAction{runpodapi.ActionStop, runpodapi.ActionTerminate}
	for _, step := range []struct {
		advance time.Duration
		status  runpodapi.PodStatus
		actions []runpodapi.PodAction
		running bool
	}{
		{0, runpodapi.StatusProvisioning, boot, false},
		{9 * time.Second, runpodapi.StatusProvisioning, boot, false},
		{time.Second, runpodapi.StatusStarting, boot, false},
		{4 * time.Second, runpodapi.StatusStarting, boot, false},
		{time.Second, runpodapi.StatusRunning, run, true},
		{time.Hour, runpodapi.StatusRunning, run, true},
	} {
		clock.Step(step.advance)
		p := mustPod(t, sim, created.ID)
		at := clock.Now().Sub(t0)
		if p.Status != step.status || !slices.Equal(p.Actions, step.actions) {
			t.Fatalf("at +%v: status %s actions %v, want %s %v", at, p.Status, p.Actions, step.status, step.actions)
		}
		if (p.Runtime != nil) != step.running || (p.StartedAt != nil) != step.running {
			t.Fatalf("at +%v: runtime %v startedAt %v, want set=%v", at, p.Runtime, p.StartedAt, step.running)
		}
		if step.running && !p.StartedAt.Equal(t0.Add(15*time.Second)) {
			t.Fatalf("startedAt = %v, want %v", p.StartedAt, t0.Add(15*time.Second))
		}
		if p.Cost != 1.38 {
			t.Fatalf("at +%v: cost = %v, want 2 x 0.69", at, p.Cost)
		}
		if p.Ssh.Proxy == nil {
			t.Fatalf("at +%v: ssh.proxy is null although the pod has a machine", at)
		}
	}
}

func TestRunningPodView(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	req := gpuRequest("web", rtx4090, 2)
	req.Ports = []string{"8888/http", "22/tcp", "6006/tcp"}
	created := mustSeed(t, sim, req)
	if created.Ssh.Direct != nil || created.Runtime != nil {
		t.Fatalf("PROVISIONING pod has ssh.direct %v runtime %v", created.Ssh.Direct, created.Runtime)
	}
	clock.Step(75 * time.Second)
	p := mustPod(t, sim, created.ID)
	rt := p.Runtime
	if rt == nil || rt.Uptime != 60 || len(rt.Gpus) != 2 || rt.Cpu == nil || rt.Memory == nil {
		t.Fatalf("runtime = %+v, want uptime 60, 2 gpus, cpu and memory", rt)
	}
	// ssh.direct names the real SSH listener on loopback (ssh_hub.go); the
	// mappings keep the fake public IP, which is what the kubelet reports.
	if d := p.Ssh.Direct; d.Host != sshHost || d.Username != "root" || d.Command != fmt.Sprintf("ssh root@%s -p %d", sshHost, d.Port) {
		t.Fatalf("ssh.direct = %+v, want root at %s", d, sshHost)
	}
	var publicIP string
	for _, m := range rt.Ports {
		if m.Type == "tcp" && m.IP != nil {
			publicIP = *m.IP
		}
	}
	ip := net.ParseIP(publicIP)
	_, doc1, _ := net.ParseCIDR("203.0.113.0/24")
	_, doc2, _ := net.ParseCIDR("198.51.100.0/24")
	if ip == nil || !(doc1.Contains(ip) || doc2.Contains(ip)) {
		t.Fatalf("public IP %q is not in a documentation range", publicIP)
	}
	publics := map[int]bool{}
	for _, m := range rt.Ports {
		switch m.Type {
		case "http":
			if m.Private != 8888 || m.Public != nil || m.IP != nil {
				t.Fatalf("http mapping = %+v, want private 8888, public and ip null", m)
			}
		case "tcp":
			if m.Public == nil || (m.Private != 22 && (*m.Public < 10000 || *m.Public >= 60000)) || m.IP == nil || *m.IP != publicIP || publics[*m.Public] {
				t.Fatalf("tcp mapping = %+v, want a distinct public port in 10000-59999 on %s", m, publicIP)
			}
			publics[*m.Public] = true
			if m.Private == 22 && *m.Public != p.Ssh.Direct.Port {
				t.Fatalf("ssh.direct port %d, mapping %d", p.Ssh.Direct.Port, *m.Public)
			}
		default:
			t.Fatalf("unexpected mapping %+v", m)
		}
	}
	if len(rt.Ports) != 3 {
		t.Fatalf("runtime.ports = %+v, want 3", rt.Ports)
	}
	wantUser := p.ID + "-"
	if u := p.Ssh.Proxy.Username; !strings.HasPrefix(u, wantUser) || len(u) != len(wantUser)+8 || p.Ssh.Proxy.Host != "ssh.runpod.io" {
		t.Fatalf("ssh.proxy = %+v", p.Ssh.Proxy)
	}
	if p.CudaVersion == nil || *p.CudaVersion == "" || p.DataCenterID == nil {
		t.Fatalf("cudaVersion %v dataCenterId %v, want both set", p.CudaVersion, p.DataCenterID)
	}
}

func TestCPUPodView(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	created := mustSeed(t, sim, cpuRequest("cpu", 4))
	clock.Step(time.Minute)
	p := mustPod(t, sim, created.ID)
	if p.Gpu != nil || p.Cpu == nil || p.Cpu.Memory != 8 || p.CudaVersion != nil {
		t.Fatalf("cpu pod = gpu %v cpu %+v cuda %v", p.Gpu, p.Cpu, p.CudaVersion)
	}
	if p.Cost != 0.12 || p.Runtime == nil || len(p.Runtime.Gpus) != 0 {
		t.Fatalf("cost %v runtime %+v, want 0.12 and no gpus", p.Cost, p.Runtime)
	}
}

func TestSimulatedExitAndFailure(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   map[string]string
		after time.Duration // since RUNNING
		want  runpodapi.PodStatus
	}{
		{"exit", map[string]string{EnvExitAfter: "30s"}, 30 * time.Second, runpodapi.StatusExited},
		{"fail", map[string]string{EnvFailAfter: "1m"}, time.Minute, runpodapi.StatusError},
		{"earliest wins", map[string]string{EnvExitAfter: "2m", EnvFailAfter: "10s"}, 10 * time.Second, runpodapi.StatusError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, clock := newTestSim(t, nil)
			req := gpuRequest("job", rtx4090, 1)
			req.Env = tc.env
			id := mustSeed(t, sim, req).ID
			free := sim.Capacity(rtx4090, "US-TX-3")
			clock.Step(15*time.Second + tc.after - time.Second)
			if p := mustPod(t, sim, id); p.Status != runpodapi.StatusRunning {
				t.Fatalf("just before the end: %s, want RUNNING", p.Status)
			}
			clock.Step(time.Second)
			p := mustPod(t, sim, id)
			if p.Status != tc.want || p.Cost != 0 || p.Runtime != nil || !slices.Equal(p.Actions, []runpodapi.PodAction{runpodapi.ActionStart, runpodapi.ActionTerminate}) {
				t.Fatalf("after the end: status %s cost %v runtime %v actions %v", p.Status, p.Cost, p.Runtime, p.Actions)
			}
			if p.StartedAt == nil || p.CudaVersion == nil {
				t.Fatalf("a stopped pod keeps startedAt and cudaVersion: %v %v", p.StartedAt, p.CudaVersion)
			}
			if got := sim.Capacity(rtx4090, "US-TX-3"); got != free+1 {
				t.Fatalf("capacity after the end = %d, want %d (released)", got, free+1)
			}
		})
	}
}

func TestPodActions(t *testing.T) {
	type step struct {
		advance time.Duration
		action  string
		code    int
		status  runpodapi.PodStatus // after the call, when 200
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"stop while provisioning", []step{{0, "stop", 200, runpodapi.StatusExited}}},
		{"stop while starting", []step{{12 * time.Second, "stop", 200, runpodapi.StatusExited}}},
		{"start after stop runs again", []step{
			{20 * time.Second, "stop", 200, runpodapi.StatusExited},
			{time.Minute, "start", 200, runpodapi.StatusStarting},
			{5 * time.Second, "stop", 200, runpodapi.StatusExited},
		}},
		{"restart a running pod", []step{{20 * time.Second, "restart", 200, runpodapi.StatusStarting}}},
		{"start a running pod", []step{{20 * time.Second, "start", 409, ""}}},
		{"restart while provisioning", []step{{0, "restart", 409, ""}}},
		{"stop an exited pod", []step{{0, "stop", 200, runpodapi.StatusExited}, {0, "stop", 409, ""}}},
		{"terminate", []step{{0, "terminate", 204, ""}}},
		{"unknown action", []step{{0, "pause", 422, ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, clock := newTestSim(t, nil)
			id := mustSeed(t, sim, gpuRequest("a", rtx4090, 1)).ID
			for _, s := range tc.steps {
				clock.Step(s.advance)
				rec := call(t, sim, http.MethodPost, "/v2/pods/"+id+"/action", map[string]string{"action": s.action})
				wantStatus(t, rec, s.code)
				switch s.code {
				case 200:
					if p := decode[runpodapi.Pod](t, rec); p.Status != s.status {
						t.Fatalf("%s: status %s, want %s", s.action, p.Status, s.status)
					}
				case 204:
					if rec.Body.Len() != 0 {
						t.Fatalf("204 with body %q", rec.Body.String())
					}
					problemOf(t, call(t, sim, http.MethodGet, "/v2/pods/"+id, nil), 404)
				default:
					problemOf(t, rec, s.code)
				}
			}
		})
	}
}

func TestRestartKeepsFirstStartedAt(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	id := mustSeed(t, sim, gpuRequest("a", rtx4090, 1)).ID
	clock.Step(20 * time.Second)
	first := *mustPod(t, sim, id).StartedAt
	wantStatus(t, call(t, sim, http.MethodPost, "/v2/pods/"+id+"/action", map[string]string{"action": "restart"}), 200)
	clock.Step(5 * time.Second)
	p := mustPod(t, sim, id)
	if p.Status != runpodapi.StatusRunning || !p.StartedAt.Equal(first) || p.Runtime.Uptime != 0 {
		t.Fatalf("after restart: %s startedAt %v uptime %d, want RUNNING %v 0", p.Status, p.StartedAt, p.Runtime.Uptime, first)
	}
}

func TestStopReleasesComputeAndStartNeedsIt(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	sim.SetCapacity(rtx4090, "US-TX-3", 1)
	req := gpuRequest("a", rtx4090, 1)
	req.DataCenterIDs = []string{"US-TX-3"}
	id := mustSeed(t, sim, req).ID
	if got := sim.Capacity(rtx4090, "US-TX-3"); got != 0 {
		t.Fatalf("capacity with the pod = %d, want 0", got)
	}
	clock.Step(20 * time.Second)
	wantStatus(t, call(t, sim, http.MethodPost, "/v2/pods/"+id+"/action", map[string]string{"action": "stop"}), 200)
	if got := sim.Capacity(rtx4090, "US-TX-3"); got != 1 {
		t.Fatalf("capacity after stop = %d, want 1", got)
	}
	other := mustSeed(t, sim, req)
	p := problemOf(t, call(t, sim, http.MethodPost, "/v2/pods/"+id+"/action", map[string]string{"action": "start"}), 400)
	if !strings.Contains(p.Detail, "no longer any instances available") {
		t.Fatalf("start without capacity: %q", p.Detail)
	}
	wantStatus(t, call(t, sim, http.MethodDelete, "/v2/pods/"+other.ID, nil), 204)
	wantStatus(t, call(t, sim, http.MethodPost, "/v2/pods/"+id+"/action", map[string]string{"action": "start"}), 200)
}

func TestSetStatus(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	id := mustSeed(t, sim, gpuRequest("a", rtx4090, 1)).ID
	for _, st := range []runpodapi.PodStatus{runpodapi.StatusRunning, runpodapi.StatusError, runpodapi.StatusExited, runpodapi.StatusStarting, runpodapi.StatusRunning} {
		if err := sim.SetStatus(id, st); err != nil {
			t.Fatalf("SetStatus(%s): %v", st, err)
		}
		if got := mustPod(t, sim, id).Status; got != st {
			t.Fatalf("after SetStatus(%s): %s", st, got)
		}
	}
	if err := sim.SetStatus(id, runpodapi.StatusTerminated); err != nil {
		t.Fatalf("SetStatus(TERMINATED): %v", err)
	}
	if _, ok := sim.Pod(id); ok || len(sim.Pods()) != 0 {
		t.Fatalf("terminated pod still listed")
	}
	if err := sim.SetStatus("nope", runpodapi.StatusExited); err == nil {
		t.Fatalf("SetStatus on an unknown pod succeeded")
	}
}

func TestDeletePod(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	free := sim.Capacity(rtx4090, "US-TX-3")
	id := mustSeed(t, sim, gpuRequest("a", rtx4090, 2)).ID
	rec := call(t, sim, http.MethodDelete, "/v2/pods/"+id, nil)
	wantStatus(t, rec, 204)
	if rec.Body.Len() != 0 {
		t.Fatalf("DELETE answered a body: %q", rec.Body.String())
	}
	if got := sim.Capacity(rtx4090, "US-TX-3"); got != free {
		t.Fatalf("capacity after delete = %d, want %d", got, free)
	}
	p := problemOf(t, call(t, sim, http.MethodDelete, "/v2/pods/"+id, nil), 404)
	if p.Detail != "pod not found" {
		t.Fatalf("detail = %q", p.Detail)
	}
	if pods := decode[runpodapi.ListPodsResponse](t, call(t, sim, http.MethodGet, "/v2/pods", nil)); len(pods.Pods) != 0 {
		t.Fatalf("list after delete = %+v", pods.Pods)
	}
}

func TestActionBodyValidation(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	id := mustSeed(t, sim, gpuRequest("a", rtx4090, 1)).ID
	for _, tc := range []struct{ body, want string }{
		{`{"action":"stop","force":true}`, "$: additional properties 'force' not allowed"},
		{`{}`, "$: missing property 'action'"},
		{`{"action":"pause"}`, "$.action"},
	} {
		p := problemOf(t, call(t, sim, http.MethodPost, "/v2/pods/"+id+"/action", tc.body), 422)
		if !slices.ContainsFunc(p.Errors, func(e string) bool { return strings.HasPrefix(e, tc.want) }) {
			t.Fatalf("%s: errors %q, want one starting with %q", tc.body, p.Errors, tc.want)
		}
	}
	problemOf(t, call(t, sim, http.MethodPost, "/v2/pods/nope/action", `{"action":"stop"}`), 404)
}

func TestSeededIDsAreDeterministic(t *testing.T) {
	ids := func() []string {
		sim, _ := newTestSim(t, nil)
		var out []string
		for range 3 {
			out = append(out, mustSeed(t, sim, cpuRequest("c", 2)).ID)
		}
		return out
	}
	a, b := ids(), ids()
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different ids: %v %v", a, b)
	}
	for _, id := range a {
		if len(id) != 14 || strings.Trim(id, idAlphabet) != "" {
			t.Fatalf("id %q is not 14 lowercase alphanumerics", id)
		}
	}
}
