package simulator

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestCreateValidation(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	const img = `"image":"busybox"`
	const gpu = `"gpu":{"id":"NVIDIA GeForce RTX 4090"}`
	for _, tc := range []struct {
		name   string
		body   string
		code   int
		substr string // in errors[] (422) or detail
	}{
		{"valid", `{"name":"a",` + img + `,` + gpu + `}`, 201, ""},
		{"missing name", `{` + img + `,` + gpu + `}`, 422, "$: missing property 'name'"},
		{"empty name", `{"name":"",` + img + `,` + gpu + `}`, 422, "$.name: minLength"},
		{"both gpu and cpu", `{"name":"a",` + img + `,` + gpu + `,"cpu":{"id":"cpu3c","vcpuCount":2}}`, 422, "exactly one of 'gpu' or 'cpu'"},
		{"neither gpu nor cpu", `{"name":"a",` + img + `}`, 422, "exactly one of 'gpu' or 'cpu'"},
		{"no image and no template", `{"name":"a",` + gpu + `}`, 422, "$: missing property 'image'"},
		{"template instead of image", `{"name":"a","templateId":"runpod-torch-v240",` + gpu + `}`, 201, ""},
		{"unknown template", `{"name":"a","templateId":"nope",` + gpu + `}`, 404, "template"},
		{"unknown top-level field", `{"name":"a",` + img + `,` + gpu + `,"bogus":1}`, 422, "$: additional properties 'bogus' not allowed"},
		{"unknown field in gpu", `{"name":"a",` + img + `,"gpu":{"id":"NVIDIA GeForce RTX 4090","vram":24}}`, 422, "$.gpu: additional properties 'vram' not allowed"},
		{"unknown field in cpu", `{"name":"a",` + img + `,"cpu":{"id":"cpu3c","vcpuCount":2,"ram":4}}`, 422, "$.cpu: additional properties 'ram' not allowed"},
		{"bad cuda pattern", `{"name":"a",` + img + `,"gpu":{"id":"NVIDIA GeForce RTX 4090","minCudaVersion":"12"}}`, 422, "$.gpu.minCudaVersion"},
		{"bad allowed cuda", `{"name":"a",` + img + `,"gpu":{"id":"NVIDIA GeForce RTX 4090","allowedCudaVersions":["12.x"]}}`, 422, "$.gpu.allowedCudaVersions[0]"},
		{"gpu count zero", `{"name":"a",` + img + `,"gpu":{"id":"NVIDIA GeForce RTX 4090","count":0}}`, 422, "$.gpu.count"},
		{"bad cloud", `{"name":"a",` + img + `,` + gpu + `,"cloud":"PRIVATE"}`, 422, "$.cloud"},
		{"disk zero", `{"name":"a",` + img + `,` + gpu + `,"disk":0}`, 422, "$.disk"},
		{"persistent mount too small", `{"name":"a",` + img + `,` + gpu + `,"mounts":{"persistent":{"size":5,"path":"/w"}}}`, 422, "$.mounts.persistent.size"},
		{"not an object", `[1,2]`, 422, "$: got array, want object"},
		{"not JSON", `{"name":`, 400, "not valid JSON"},
		{"empty body", ``, 400, "required"},
		{"min and allowed cuda", `{"name":"a",` + img + `,"gpu":{"id":"NVIDIA GeForce RTX 4090","minCudaVersion":"12.4","allowedCudaVersions":["12.8"]}}`, 400, "mutually exclusive"},
		{"min cuda with empty allowed", `{"name":"a",` + img + `,"gpu":{"id":"NVIDIA GeForce RTX 4090","minCudaVersion":"12.4","allowedCudaVersions":[]}}`, 201, ""},
		{"unknown gpu (the live 422)", `{"name":"a",` + img + `,"gpu":{"id":"NVIDIA GeForce GTX 1080"}}`, 422, `Unknown GPU type: NVIDIA GeForce GTX 1080`},
		{"the unknown placeholder", `{"name":"a",` + img + `,"gpu":{"id":"unknown"}}`, 422, `Unknown GPU type: unknown`},
		{"count above maxCount", `{"name":"a",` + img + `,"gpu":{"id":"NVIDIA GeForce RTX 4090","count":9}}`, 400, "maximum of 8"},
		{"count above community maxCount", `{"name":"a",` + img + `,"cloud":"COMMUNITY","gpu":{"id":"NVIDIA GeForce RTX 4090","count":5}}`, 400, "maximum of 4"},
		{"gpu not in community", `{"name":"a",` + img + `,"cloud":"COMMUNITY","gpu":{"id":"NVIDIA A100-SXM4-80GB"}}`, 400, "not offered in the COMMUNITY cloud"},
		{"unknown data center", `{"name":"a",` + img + `,` + gpu + `,"dataCenterIds":["US-XX-9"]}`, 400, `"US-XX-9"`},
		{"persistent and network", `{"name":"a",` + img + `,` + gpu + `,"mounts":{"persistent":{"size":20,"path":"/w"},"network":[{"volumeId":"v","path":"/n"}]}}`, 400, "mutually exclusive"},
		{"cpu with persistent", `{"name":"a",` + img + `,"cpu":{"id":"cpu3c","vcpuCount":2},"mounts":{"persistent":{"size":20,"path":"/w"}}}`, 400, "CPU pods"},
		{"cpu not power of two", `{"name":"a",` + img + `,"cpu":{"id":"cpu3c","vcpuCount":6}}`, 400, "power of two"},
		{"unknown cpu flavor", `{"name":"a",` + img + `,"cpu":{"id":"cpu9z","vcpuCount":2}}`, 400, "cpu9z"},
		{"bad port", `{"name":"a",` + img + `,` + gpu + `,"ports":["8888/udp"]}`, 400, "8888/udp"},
		{"bad sim duration", `{"name":"a",` + img + `,` + gpu + `,"env":{"RUNPOD_SIM_EXIT_AFTER":"soon"}}`, 400, "RUNPOD_SIM_EXIT_AFTER"},
		{"no cuda host matches", `{"name":"a",` + img + `,"gpu":{"id":"NVIDIA GeForce RTX 4090","allowedCudaVersions":["11.8"]}}`, 400, "no longer any instances"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(sim.Pods())
			rec := call(t, sim, http.MethodPost, "/v2/pods", tc.body)
			if tc.code == 201 {
				wantStatus(t, rec, 201)
				return
			}
			p := problemOf(t, rec, tc.code)
			text := p.Detail
			if tc.code == 422 && !strings.HasPrefix(tc.substr, "Unknown GPU type") {
				if p.Detail != "Request validation failed." || len(p.Errors) == 0 {
					t.Fatalf("422 problem = %+v", p)
				}
				text = strings.Join(p.Errors, "\n")
			}
			if !strings.Contains(text, tc.substr) {
				t.Fatalf("problem %+v does not mention %q", p, tc.substr)
			}
			if len(sim.Pods()) != before {
				t.Fatalf("a rejected create made a pod")
			}
		})
	}
}

func TestUnknownPropertyIsReportedAlone(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	p := problemOf(t, call(t, sim, http.MethodPost, "/v2/pods", `{"name":"a","image":"x","gpu":{"id":"NVIDIA GeForce RTX 4090","count":0},"bogus":true}`), 422)
	want := []string{"$.gpu.count: minimum: got 0, want 1", "$: additional properties 'bogus' not allowed"}
	if !slices.Equal(p.Errors, want) {
		t.Fatalf("errors = %q, want %q", p.Errors, want)
	}
}

func TestTemplateResolution(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	rec := call(t, sim, http.MethodPost, "/v2/pods", `{"name":"t","templateId":"runpod-torch-v240","gpu":{"id":"NVIDIA GeForce RTX 4090"},"env":{"A":"1"},"disk":80}`)
	wantStatus(t, rec, 201)
	p := decode[runpodapi.Pod](t, rec)
	if p.Template != nil || p.Disk != 80 || p.Env["A"] != "1" || p.Env["JUPYTER_PORT"] != "8888" || len(p.Ports) != 2 || p.Mounts.Persistent == nil || !strings.HasPrefix(p.Image, "runpod/pytorch") {
		t.Fatalf("templated pod = %+v", p)
	}
}

func TestPatchPod(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	reg, other := mustRegistry(t, sim, "reg", "u", "p"), mustRegistry(t, sim, "other", "u", "p")
	for _, tc := range []struct {
		name   string
		body   string
		code   int
		check  func(runpodapi.Pod) bool
		substr string
	}{
		{"rename", `{"name":"renamed"}`, 200, func(p runpodapi.Pod) bool { return p.Name == "renamed" && p.Image == "busybox" }, ""},
		{"image args disk", `{"image":"alpine","args":"sleep 1","disk":40}`, 200, func(p runpodapi.Pod) bool { return p.Image == "alpine" && p.Args == "sleep 1" && p.Disk == 40 }, ""},
		{"env replaces", `{"env":{"B":"2"}}`, 200, func(p runpodapi.Pod) bool { return len(p.Env) == 1 && p.Env["B"] == "2" }, ""},
		{"ports emptied", `{"ports":[]}`, 200, func(p runpodapi.Pod) bool { return len(p.Ports) == 0 && p.Ports != nil }, ""},
		{"ports added", `{"ports":["22/tcp","9000/tcp"]}`, 200, func(p runpodapi.Pod) bool { return len(p.Ports) == 2 }, ""},
		{"registry cleared", `{"registry":null}`, 200, func(p runpodapi.Pod) bool { return p.Registry == nil }, ""},
		{"registry changed", `{"registry":"` + other + `"}`, 200, func(p runpodapi.Pod) bool { return p.Registry != nil && *p.Registry == other }, ""},
		{"registry unknown", `{"registry":"nope"}`, 400, nil, `registry "nope": no container registry credential`},
		{"locked", `{"locked":true}`, 200, func(p runpodapi.Pod) bool { return p.Locked }, ""},
		{"mount path", `{"mounts":{"persistent":{"size":30,"path":"/data"}}}`, 200, func(p runpodapi.Pod) bool {
			return p.Mounts.Persistent.Path == "/data" && p.Mounts.Persistent.Size == 30
		}, ""},
		{"empty mounts", `{"mounts":{}}`, 200, func(p runpodapi.Pod) bool { return p.Mounts.Persistent != nil }, ""},
		{"mount kind fixed", `{"mounts":{"network":[{"volumeId":"v","path":"/n"}]}}`, 400, nil, "fixed at create"},
		{"network cleared", `{"mounts":{"network":[]}}`, 400, nil, "cleared"},
		{"unknown field", `{"gpu":{"id":"x"}}`, 422, nil, "additional properties 'gpu' not allowed"},
		{"empty name", `{"name":""}`, 422, nil, "$.name"},
		{"bad port", `{"ports":["http"]}`, 400, nil, "invalid port"},
		{"unknown template", `{"templateId":"nope"}`, 404, nil, "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := gpuRequest("a", rtx4090, 1)
			req.Image, req.Env, req.Ports, req.Registry = "busybox", map[string]string{"A": "1"}, []string{"8888/http"}, reg
			req.Mounts = &runpodapi.Mounts{Persistent: &runpodapi.PersistentMount{Size: 20, Path: "/workspace"}}
			id := mustSeed(t, sim, req).ID
			rec := call(t, sim, http.MethodPatch, "/v2/pods/"+id, tc.body)
			if tc.code != 200 {
				p := problemOf(t, rec, tc.code)
				if !strings.Contains(p.Detail+strings.Join(p.Errors, "\n"), tc.substr) {
					t.Fatalf("problem %+v does not mention %q", p, tc.substr)
				}
				return
			}
			wantStatus(t, rec, 200)
			if p := decode[runpodapi.Pod](t, rec); !tc.check(p) {
				t.Fatalf("patched pod = %+v", p)
			}
		})
	}
}

func TestPatchUnknownPod(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	problemOf(t, call(t, sim, http.MethodPatch, "/v2/pods/nope", `{"name":"x"}`), 404)
}

func TestAuthentication(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	for _, tc := range []struct {
		name, header, detail string
	}{
		{"missing", "", "missing bearer token"},
		{"empty bearer", "Bearer ", "missing bearer token"},
		{"wrong key", "Bearer rpa_wrong_secret", "invalid bearer token"},
		{"basic auth", "Basic dXNlcjpwYXNz", "malformed authorization header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := callWith(t, sim, http.MethodGet, "/v2/pods", nil, map[string]string{"Authorization": tc.header})
			p := problemOf(t, rec, 401)
			if !strings.HasPrefix(p.Detail, tc.detail) || strings.Contains(rec.Body.String(), "rpa_wrong_secret") {
				t.Fatalf("401 detail = %q, want %q and no echo of the key", p.Detail, tc.detail)
			}
		})
	}
}

func TestRoutingProblems(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	problemOf(t, call(t, sim, http.MethodGet, "/v2/nothing", nil), 404)
	problemOf(t, call(t, sim, http.MethodGet, "/v2/pods/nope", nil), 404)
	rec := call(t, sim, http.MethodPut, "/v2/pods/abc", nil)
	p := problemOf(t, rec, 405)
	if allow := rec.Header().Get("Allow"); allow != "GET, PATCH, DELETE" || p.Detail != "The requested method is not allowed for this path." {
		t.Fatalf("405 Allow = %q detail %q", allow, p.Detail)
	}
	if allow := call(t, sim, http.MethodDelete, "/v2/pods", nil).Header().Get("Allow"); allow != "GET, POST" {
		t.Fatalf("Allow for /v2/pods = %q", allow)
	}
}
