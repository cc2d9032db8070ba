package simulator

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults func(now time.Time) Faults
		code   int
	}{
		{"error rate", func(time.Time) Faults { return Faults{ErrorRate: 1} }, 0},
		{"rate limit storm", func(time.Time) Faults { return Faults{RateLimitStorm: true} }, 429},
		{"outage", func(now time.Time) Faults { return Faults{OutageUntil: now.Add(30 * time.Second)} }, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, clock := newTestSim(t, nil)
			sim.SetFaults(tc.faults(clock.Now()))
			for range 10 {
				rec := call(t, sim, http.MethodGet, "/v2/pods", nil)
				code := tc.code
				if code == 0 {
					code = rec.Code
					if code != 500 && code != 502 && code != 503 {
						t.Fatalf("error-rate status %d, want 500/502/503", code)
					}
				}
				problemOf(t, rec, code)
				if code == 429 && rec.Header().Get("Retry-After") != "1" {
					t.Fatalf("storm Retry-After = %q, want 1", rec.Header().Get("Retry-After"))
				}
			}
			if got := sim.Counters()["GET /v2/pods"]; got != 10 {
				t.Fatalf("counted %d faulted requests, want 10", got)
			}
		})
	}
}

func TestOutageEnds(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	sim.SetFaults(Faults{OutageUntil: clock.Now().Add(30 * time.Second)})
	problemOf(t, call(t, sim, http.MethodGet, "/v2/pods", nil), 503)
	clock.Step(30 * time.Second)
	wantStatus(t, call(t, sim, http.MethodGet, "/v2/pods", nil), 200)
}

func TestCreateThen500MakesThePod(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	sim.SetFaults(Faults{CreateThen500: 1})
	problemOf(t, call(t, sim, http.MethodPost, "/v2/pods", gpuRequest("uncertain", rtx4090, 1)), 500)
	pods := sim.Pods()
	if len(pods) != 1 || pods[0].Name != "uncertain" || pods[0].Cost == 0 {
		t.Fatalf("after a create answered 500, pods = %+v; want the billed pod", pods)
	}
	wantStatus(t, call(t, sim, http.MethodPost, "/v2/pods", gpuRequest("next", rtx4090, 1)), 201)
	problemOf(t, call(t, sim, http.MethodPost, "/v2/pods", `{"name":"x"}`), 422) // failures do not consume the fault
}

func TestConnectionReset(t *testing.T) {
	srv := NewServer(testOptions(newFakeClock()))
	defer srv.Close()
	srv.SetFaults(Faults{ResetRate: 1})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2/pods", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("reset fault answered %s, want a transport error", resp.Status)
	}
	if got := srv.Counters()["GET /v2/pods"]; got < 1 {
		t.Fatalf("reset request not counted: %v", srv.Counters())
	}
}

func TestLatencyRespectsContext(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	sim.SetFaults(Faults{Latency: 30 * time.Millisecond})
	start := time.Now()
	wantStatus(t, call(t, sim, http.MethodGet, "/v2/pods", nil), 200)
	if el := time.Since(start); el < 30*time.Millisecond {
		t.Fatalf("latency fault took %v, want ≥ 30ms", el)
	}
	sim.SetFaults(Faults{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/v2/pods", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	done := make(chan struct{})
	go func() { sim.ServeHTTP(nopWriter{http.Header{}}, req); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("latency ignored the request context")
	}
}

type nopWriter struct{ h http.Header }

func (w nopWriter) Header() http.Header         { return w.h }
func (w nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w nopWriter) WriteHeader(int)             {}

func TestCountersCountEverything(t *testing.T) {
	sim, _ := newTestSim(t, func(o *Options) { o.Quota = Quota{Minute: 1} })
	call(t, sim, http.MethodGet, "/v2/pods", nil)
	call(t, sim, http.MethodGet, "/v2/pods", nil)          // 429
	callWith(t, sim, http.MethodGet, "/v2/pods", nil, nil) // 401
	call(t, sim, http.MethodGet, "/_sim/counters", nil)    // admin: not counted
	got := sim.Counters()
	if got["GET /v2/pods"] != 3 || len(got) != 1 {
		t.Fatalf("counters = %v, want GET /v2/pods: 3 only", got)
	}
	sim.ResetCounters()
	if len(sim.Counters()) != 0 {
		t.Fatalf("counters after reset = %v", sim.Counters())
	}
}
