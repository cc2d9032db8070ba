package simulator

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestAdminEndpoints(t *testing.T) {
	sim, clock := newTestSim(t, func(o *Options) { o.Quota = Quota{Minute: 1} })
	rec := call(t, sim, http.MethodPost, "/_sim/seed", gpuRequest("seeded", rtx4090, 1))
	wantStatus(t, rec, 201)
	id := decode[runpodapi.Pod](t, rec).ID
	if rec.Header().Get("RateLimit") != "" {
		t.Fatalf("admin response carries RateLimit")
	}
	for range 3 { // quota 1/minute does not apply to /_sim/
		wantStatus(t, call(t, sim, http.MethodPost, "/_sim/seed", cpuRequest("cpu", 2)), 201)
	}
	rec = call(t, sim, http.MethodPost, "/_sim/pods/"+id+"/status", map[string]string{"status": "EXITED"})
	wantStatus(t, rec, 200)
	if p := decode[runpodapi.Pod](t, rec); p.Status != runpodapi.StatusExited {
		t.Fatalf("forced status = %s", p.Status)
	}
	problemOf(t, call(t, sim, http.MethodPost, "/_sim/pods/nope/status", map[string]string{"status": "EXITED"}), 404)
	problemOf(t, call(t, sim, http.MethodPost, "/_sim/pods/"+id+"/status", map[string]string{"status": "GONE"}), 422)

	rec = call(t, sim, http.MethodPost, "/_sim/capacity", map[string]any{"gpuTypeId": rtx4090, "dataCenterId": "EU-RO-1", "free": 1})
	wantStatus(t, rec, 200)
	if sim.Capacity(rtx4090, "EU-RO-1") != 1 {
		t.Fatalf("capacity not set")
	}
	if c := decode[capacityJSON](t, call(t, sim, http.MethodGet, "/_sim/capacity?gpuTypeId="+url.QueryEscape(rtx4090)+"&dataCenterId=EU-RO-1", nil)); c.Free != 1 {
		t.Fatalf("GET capacity = %+v", c)
	}
	problemOf(t, call(t, sim, http.MethodPost, "/_sim/capacity", map[string]any{"gpu": "x"}), 400)

	rec = call(t, sim, http.MethodPost, "/_sim/faults", map[string]any{"latency": "5ms", "createThen500": 2, "outageFor": "30s", "errorRate": 0.25})
	wantStatus(t, rec, 200)
	f := sim.CurrentFaults()
	if f.Latency != 5*time.Millisecond || f.CreateThen500 != 2 || f.ErrorRate != 0.25 || !f.OutageUntil.Equal(clock.Now().Add(30*time.Second)) {
		t.Fatalf("faults = %+v", f)
	}
	problemOf(t, call(t, sim, http.MethodPost, "/_sim/faults", map[string]any{"latency": "soon"}), 400)
	sim.SetFaults(Faults{})

	wantStatus(t, call(t, sim, http.MethodGet, "/v2/pods", nil), 200)
	counters := decode[map[string]int64](t, call(t, sim, http.MethodGet, "/_sim/counters", nil))
	if counters["GET /v2/pods"] != 1 || len(counters) != 1 {
		t.Fatalf("counters = %v, want only the public request", counters)
	}
	wantStatus(t, call(t, sim, http.MethodDelete, "/_sim/counters", nil), 204)
	if len(sim.Counters()) != 0 {
		t.Fatalf("counters not reset")
	}
	problemOf(t, call(t, sim, http.MethodGet, "/_sim/nothing", nil), 404)
	problemOf(t, callWith(t, sim, http.MethodGet, "/_sim/counters", nil, nil), 401)
}
