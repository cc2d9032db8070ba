package simulator

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestAdminMarketRoutes(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	id := mustSeed(t, sim, gpuRequest("a", rtx4090, 1)).ID
	for _, tc := range []struct {
		name         string
		method, path string
		body         any
		code         int
		check        func(t *testing.T)
	}{
		{"lock", http.MethodPost, "/_sim/pods/" + id + "/lock", map[string]bool{"locked": true}, 200, func(t *testing.T) {
			if !mustPod(t, sim, id).Locked {
				t.Fatal("not locked")
			}
		}},
		{"lock an unknown pod", http.MethodPost, "/_sim/pods/nope/lock", map[string]bool{"locked": true}, 404, nil},
		{"lock with a bad body", http.MethodPost, "/_sim/pods/" + id + "/lock", map[string]string{"locked": "yes"}, 400, nil},
		{"unlock", http.MethodPost, "/_sim/pods/" + id + "/lock", map[string]bool{"locked": false}, 200, func(t *testing.T) {
			if mustPod(t, sim, id).Locked {
				t.Fatal("still locked")
			}
		}},
		{"machine of one data center", http.MethodPost, "/_sim/machines",
			map[string]any{"gpuTypeId": rtx4090, "dataCenterId": "EU-RO-1", "vcpuPerGpu": 12, "ramPerGpu": 90}, 200, func(t *testing.T) {
				if got := sim.Machine(rtx4090, "EU-RO-1"); got != (MachineSpec{12, 90}) || sim.Machine(rtx4090, "US-TX-3") != consumerMachine {
					t.Fatalf("EU-RO-1 %+v, US-TX-3 %+v", got, sim.Machine(rtx4090, "US-TX-3"))
				}
			}},
		{"read it back", http.MethodGet, "/_sim/machines?gpuTypeId=" + url.QueryEscape(rtx4090) + "&dataCenterId=EU-RO-1", nil, 200, nil},
		{"machine of every data center", http.MethodPost, "/_sim/machines", map[string]any{"gpuTypeId": rtx4090, "vcpuPerGpu": 6, "ramPerGpu": 40}, 200, func(t *testing.T) {
			if sim.Machine(rtx4090, "EU-RO-1") != (MachineSpec{6, 40}) {
				t.Fatalf("the type-wide machine did not replace the data center's: %+v", sim.Machine(rtx4090, "EU-RO-1"))
			}
		}},
		{"machine without a type", http.MethodPost, "/_sim/machines", map[string]any{"vcpuPerGpu": 6}, 400, nil},
		{"private image", http.MethodPost, "/_sim/private-images", map[string]string{"repository": "acme/trainer", "username": "u", "password": "p"}, 204, func(t *testing.T) {
			req := gpuRequest("private", rtx4090, 1)
			req.Image = "docker.io/acme/trainer:v3"
			pid := mustSeed(t, sim, req).ID
			clock.Step(bootDelay)
			if st := mustPod(t, sim, pid).Status; st != runpodapi.StatusProvisioning {
				t.Fatalf("a private image without a credential is %s", st)
			}
		}},
		{"private image without a password", http.MethodPost, "/_sim/private-images", map[string]string{"repository": "acme/x", "username": "u"}, 400, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, sim, tc.method, tc.path, tc.body)
			if tc.code >= 400 {
				problemOf(t, rec, tc.code)
			} else {
				wantStatus(t, rec, tc.code)
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
	if got := decode[machineJSON](t, call(t, sim, http.MethodGet, "/_sim/machines?gpuTypeId="+url.QueryEscape(rtx4090)+"&dataCenterId=EU-RO-1", nil)); got.VcpuPerGpu != 6 {
		t.Fatalf("GET /_sim/machines = %+v", got)
	}
	if n := len(sim.Counters()); n != 0 {
		t.Fatalf("admin requests counted: %v", sim.Counters())
	}
}
