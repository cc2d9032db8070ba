package runpodapi_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

const simKey = "sim-key-for-client-tests"

func startSim(t testing.TB, mod func(*simulator.Options)) *simulator.Server {
	t.Helper()
	opts := simulator.DefaultOptions(simKey)
	opts.ProvisioningDelay = 20 * time.Millisecond
	opts.StartingDelay = 20 * time.Millisecond
	opts.LogInterval = 20 * time.Millisecond
	opts.Quota = simulator.Quota{}
	if mod != nil {
		mod(&opts)
	}
	srv := simulator.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

func simClient(t testing.TB, srv *simulator.Server, mod func(*runpodapi.Config)) *runpodapi.Client {
	t.Helper()
	cfg := runpodapi.Config{BaseURL: srv.URL, APIKey: simKey, DefaultPerMinute: -1,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond, Timeout: 5 * time.Second,
		LogIdleGap: 200 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	c, err := runpodapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func gpuRequest(name string) runpodapi.CreatePodRequest {
	return runpodapi.CreatePodRequest{
		Name: name, Image: "runpod/pytorch:2.4.0", Ports: []string{"8888/http", "22/tcp"},
		Gpu: &runpodapi.CreateGpuConfig{ID: "NVIDIA GeForce RTX 4090", Count: 1},
	}
}

func waitStatus(t *testing.T, c *runpodapi.Client, id string, want runpodapi.PodStatus) *runpodapi.Pod {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, err := c.GetPod(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status == want {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s is %s, want %s", id, p.Status, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestClientAgainstSimulatorLifecycle(t *testing.T) {
	srv := startSim(t, nil)
	c := simClient(t, srv, nil)
	ctx := context.Background()

	gpus, err := c.ListGpuTypes(ctx, runpodapi.GpuTypeQuery{Availability: true, Count: 1, Cloud: runpodapi.CloudSecure})
	if err != nil || len(gpus) == 0 || gpus[0].Availability == "" {
		t.Fatalf("ListGpuTypes = %d types, %v", len(gpus), err)
	}
	dcs, err := c.ListDataCenters(ctx, runpodapi.DataCenterQuery{GpuAvailability: true})
	if err != nil || len(dcs) == 0 {
		t.Fatalf("ListDataCenters = %v, %v", dcs, err)
	}
	for _, q := range []runpodapi.CpuTypeQuery{{}, {Availability: true, VcpuCount: 4}} {
		cpus, err := c.ListCpuTypes(ctx, q)
		if err != nil || len(cpus) == 0 || cpus[0].Price.SecurePerVcpu <= 0 || (cpus[0].Availability != "") != q.Availability {
			t.Fatalf("ListCpuTypes(%+v) = %+v, %v", q, cpus, err)
		}
	}

	p, err := c.CreatePod(ctx, gpuRequest("rpk-lifecycle"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != runpodapi.StatusProvisioning || p.Runtime != nil {
		t.Errorf("new pod: status %s runtime %v", p.Status, p.Runtime)
	}
	running := waitStatus(t, c, p.ID, runpodapi.StatusRunning)
	if running.Runtime == nil || running.Cost <= 0 || running.StartedAt == nil {
		t.Fatalf("running pod lacks runtime/cost/startedAt: %+v", running)
	}
	pl, err := c.ListPods(ctx)
	if err != nil || len(pl.Pods) != 1 || pl.Pods[0].Name != "rpk-lifecycle" || !pl.Complete {
		t.Fatalf("ListPods = %+v, %v", pl, err)
	}
	stopped, err := c.PodAction(ctx, p.ID, runpodapi.ActionStop)
	if err != nil || stopped.Status != runpodapi.StatusExited || stopped.Cost != 0 {
		t.Fatalf("stop = %+v, %v", stopped, err)
	}
	if _, err := c.PodAction(ctx, p.ID, runpodapi.ActionStop); !errors.Is(err, runpodapi.ErrConflict) {
		t.Errorf("stopping an EXITED pod: %v, want ErrConflict", err)
	}
	name := "rpk-renamed"
	if u, err := c.UpdatePod(ctx, p.ID, runpodapi.UpdatePodRequest{Name: &name}); err != nil || u.Name != name {
		t.Fatalf("UpdatePod = %v, %v", u, err)
	}
	if err := c.DeletePod(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePod(ctx, p.ID); !errors.Is(err, runpodapi.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	if _, err := c.GetPod(ctx, p.ID); !errors.Is(err, runpodapi.ErrNotFound) {
		t.Errorf("get deleted: %v, want ErrNotFound", err)
	}
}

func TestClientAgainstSimulatorErrors(t *testing.T) {
	srv := startSim(t, nil)
	c := simClient(t, srv, nil)
	ctx := context.Background()

	bad := gpuRequest("rpk-bad")
	bad.Cpu = &runpodapi.CreateCpuConfig{ID: "cpu3c", VcpuCount: 2}
	_, err := c.CreatePod(ctx, bad)
	var ae *runpodapi.APIError
	if !errors.Is(err, runpodapi.ErrInvalid) || !errors.As(err, &ae) {
		t.Errorf("gpu and cpu together: %v, want ErrInvalid", err)
	}

	unknown := gpuRequest("rpk-unknown-gpu")
	unknown.Gpu.ID = "NVIDIA Imaginary 9000"
	if _, err := c.CreatePod(ctx, unknown); !errors.Is(err, runpodapi.ErrInvalid) || !strings.Contains(err.Error(), "Unknown GPU type: NVIDIA Imaginary 9000") {
		t.Errorf("unknown GPU: %v, want the live API's 422 (ErrInvalid)", err)
	}

	srv.SetCapacity("NVIDIA GeForce RTX 4090", "US-TX-3", 0)
	full := gpuRequest("rpk-full")
	full.DataCenterIDs = []string{"US-TX-3"}
	if _, err := c.CreatePod(ctx, full); !errors.Is(err, runpodapi.ErrRejected) {
		t.Errorf("no capacity: %v, want ErrRejected", err)
	}

	wrong, err := runpodapi.New(runpodapi.Config{BaseURL: srv.URL, APIKey: "wrong-key", DefaultPerMinute: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.ListPods(ctx); !errors.Is(err, runpodapi.ErrUnauthorized) || strings.Contains(err.Error(), "wrong-key") {
		t.Errorf("wrong key: %v, want ErrUnauthorized without the key", err)
	}

	srv.SetFaults(simulator.Faults{ErrorRate: 1})
	if _, err := c.ListPods(ctx); !errors.Is(err, runpodapi.ErrTransient) {
		t.Errorf("5xx storm: %v, want ErrTransient", err)
	}
	srv.SetFaults(simulator.Faults{ResetRate: 1})
	if _, err := c.ListPods(ctx); !errors.Is(err, runpodapi.ErrTransient) {
		t.Errorf("connection resets: %v, want ErrTransient", err)
	}
}

func TestCreateThen500IsUncertainAndFindable(t *testing.T) {
	srv := startSim(t, nil)
	c := simClient(t, srv, nil)
	srv.SetFaults(simulator.Faults{CreateThen500: 1})
	_, err := c.CreatePod(context.Background(), gpuRequest("rpk-uncertain"))
	var ue *runpodapi.CreateUncertainError
	if !errors.As(err, &ue) || ue.Name != "rpk-uncertain" {
		t.Fatalf("err = %v, want *CreateUncertainError", err)
	}
	if got := srv.Counters()["POST /v2/pods"]; got != 1 {
		t.Errorf("POST /v2/pods sent %d times; a create must never be retried blindly", got)
	}
	pl, err := c.ListPods(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.Pods) != 1 || pl.Pods[0].Name != "rpk-uncertain" {
		t.Fatalf("the pod the 500 hid must be found by name: %v", pl.Pods)
	}
}

func TestClientStaysInsideQuota(t *testing.T) {
	srv := startSim(t, func(o *simulator.Options) { o.Quota = simulator.Quota{Minute: 3, Hour: 100} })
	c := simClient(t, srv, func(cfg *runpodapi.Config) { cfg.Timeout = 300 * time.Millisecond })
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := c.ListPods(ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	b := c.Budget()
	if b.Remaining() != 0 || len(b.Windows) != 2 || b.Windows[0].Quota != 3 || b.Windows[1].Remaining != 97 {
		t.Fatalf("budget = %+v", b)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := c.ListPods(short); err == nil {
		t.Fatal("a fourth call inside an exhausted minute window must wait, not go out")
	}
	if got := srv.Counters()["GET /v2/pods"]; got != 3 {
		t.Errorf("server saw %d list calls, want 3: the client must not send into an exhausted window", got)
	}
}

func TestClientHonours429Storm(t *testing.T) {
	srv := startSim(t, nil)
	c := simClient(t, srv, nil)
	srv.SetFaults(simulator.Faults{RateLimitStorm: true})
	time.AfterFunc(300*time.Millisecond, func() { srv.SetFaults(simulator.Faults{}) })
	start := time.Now()
	if _, err := c.ListPods(context.Background()); err != nil {
		t.Fatalf("list through a short 429 storm: %v", err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("returned after %v; Retry-After: 1 must be waited for", waited)
	}
	if got := srv.Counters()["GET /v2/pods"]; got != 2 {
		t.Errorf("attempts = %d, want 2 (one 429, one success after Retry-After)", got)
	}
}

func TestLogsAgainstSimulator(t *testing.T) {
	srv := startSim(t, nil)
	c := simClient(t, srv, nil)
	ctx := context.Background()
	p, err := c.CreatePod(ctx, gpuRequest("rpk-logs"))
	if err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, p.ID, runpodapi.StatusRunning)
	time.Sleep(300 * time.Millisecond) // let some container lines accumulate

	var first []runpodapi.LogLine
	tail := 3
	err = c.StreamLogs(ctx, p.ID, runpodapi.LogOptions{Tail: &tail, Source: runpodapi.LogSourceContainer},
		func(l runpodapi.LogLine) error { first = append(first, l); return nil })
	if err != nil || len(first) != 3 {
		t.Fatalf("tail=3 gave %d lines, %v", len(first), err)
	}

	// Resume strictly after the last line seen, following new lines.
	var next []runpodapi.LogLine
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var once sync.Once
	err = c.StreamLogs(fctx, p.ID, runpodapi.LogOptions{LastEventID: first[2].ID, Follow: true, Source: runpodapi.LogSourceContainer},
		func(l runpodapi.LogLine) error {
			next = append(next, l)
			if len(next) == 5 {
				once.Do(cancel)
			}
			return nil
		})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("follow ended with %v, want context.Canceled", err)
	}
	if len(next) < 5 {
		t.Fatalf("follow gave %d lines", len(next))
	}
	if !next[0].TS.After(first[2].TS) && next[0].ID == first[2].ID {
		t.Errorf("resume repeated %s", first[2].ID)
	}
	for i := 1; i < len(next); i++ {
		if !next[i].TS.After(next[i-1].TS) && next[i].ID <= next[i-1].ID {
			t.Errorf("lines out of order: %s then %s", next[i-1].ID, next[i].ID)
		}
	}
}

func BenchmarkListPods1000(b *testing.B) {
	srv := startSim(b, nil)
	srv.SetCapacity("NVIDIA RTX A5000", "US-TX-3", 2000)
	for i := 0; i < 1000; i++ {
		req := gpuRequest(fmt.Sprintf("rpk-bench-%04d", i))
		req.Gpu.ID = "NVIDIA RTX A5000"
		req.Cloud = runpodapi.CloudCommunity
		req.DataCenterIDs = []string{"US-TX-3"}
		if _, err := srv.Seed(req); err != nil {
			b.Fatal(err)
		}
	}
	c := simClient(b, srv, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pl, err := c.ListPods(context.Background())
		if err != nil || len(pl.Pods) != 1000 || !pl.Complete {
			b.Fatalf("%+v, %v", pl, err)
		}
	}
}
