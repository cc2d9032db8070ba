package simulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

const testKey = "rpa_test_key_0123456789"

// fakeClock is the simulator's clock in tests: it moves only when Step says.
type fakeClock = clocktesting.FakeClock

func newFakeClock() *fakeClock {
	return clocktesting.NewFakeClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
}

// testOptions: 10s provisioning, 5s starting, 1s log lines, no quota.
func testOptions(clock *fakeClock) Options {
	return Options{
		APIKey: testKey, Seed: 42,
		ProvisioningDelay: 10 * time.Second, StartingDelay: 5 * time.Second,
		LogInterval: time.Second, Clock: clock,
	}
}

func newTestSim(t testing.TB, mod func(*Options)) (*Simulator, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	opts := testOptions(clock)
	if mod != nil {
		mod(&opts)
	}
	sim := New(opts)
	t.Cleanup(sim.Close)
	return sim, clock
}

// call sends one request through the handler with the test key.
func call(t testing.TB, h http.Handler, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	return callWith(t, h, method, path, body, map[string]string{"Authorization": "Bearer " + testKey})
}

func callWith(t testing.TB, h http.Handler, method, path string, body any, headers map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decode[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T from %d %s: %v", v, rec.Code, rec.Body.String(), err)
	}
	return v
}

func wantStatus(t testing.TB, rec *httptest.ResponseRecorder, code int) {
	t.Helper()
	if rec.Code != code {
		t.Fatalf("status = %d, want %d; body: %s", rec.Code, code, rec.Body.String())
	}
}

// problemOf decodes a problem response and checks its envelope.
func problemOf(t testing.TB, rec *httptest.ResponseRecorder, code int) runpodapi.ErrorResponse {
	t.Helper()
	wantStatus(t, rec, code)
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	p := decode[runpodapi.ErrorResponse](t, rec)
	if p.Status != code || p.Title != http.StatusText(code) {
		t.Fatalf("problem = %+v, want status %d title %q", p, code, http.StatusText(code))
	}
	return p
}

func gpuRequest(name, gpuID string, count int) runpodapi.CreatePodRequest {
	return runpodapi.CreatePodRequest{
		Name: name, Image: "runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404",
		Gpu: &runpodapi.CreateGpuConfig{ID: gpuID, Count: count},
	}
}

func cpuRequest(name string, vcpus int) runpodapi.CreatePodRequest {
	return runpodapi.CreatePodRequest{
		Name: name, Image: "busybox:1.36",
		Cpu: &runpodapi.CreateCpuConfig{ID: CPUFlavorID, VcpuCount: vcpus},
	}
}

func mustSeed(t testing.TB, sim *Simulator, req runpodapi.CreatePodRequest) runpodapi.Pod {
	t.Helper()
	p, err := sim.Seed(req)
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return p
}

func mustPod(t testing.TB, sim *Simulator, id string) runpodapi.Pod {
	t.Helper()
	p, ok := sim.Pod(id)
	if !ok {
		t.Fatalf("pod %s not found", id)
	}
	return p
}

const rtx4090 = "NVIDIA GeForce RTX 4090"
