package simulator

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// sharedSpecPath is the spec every engineer works from, relative to this package.
const sharedSpecPath = "../../../shared/runpod/openapi-v2.json"

// responseSchemas compiles the response schemas from the shared spec, or from
// the embedded copy when the shared file is absent.
func responseSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	doc, err := os.ReadFile(sharedSpecPath)
	if err != nil {
		t.Logf("shared spec not readable (%v); validating against the embedded copy", err)
		doc = specJSON
	}
	schemas, err := CompileSpecSchemas(doc, "ListPodsResponse", "Pod", "ListGpuTypesResponse", "ListCpuTypesResponse", "ListDataCentersResponse", "ErrorResponse",
		"Registry", "ListRegistriesResponse")
	if err != nil {
		t.Fatalf("compile response schemas: %v", err)
	}
	return schemas
}

// extendedResponseSchemas are the response schemas with the additions of
// spec_additions.go: every answer must validate against both.
func extendedResponseSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	doc, err := extendedSpec()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := compileSchemas(doc, "ListPodsResponse", "Pod", "ListGpuTypesResponse", "ListCpuTypesResponse", "ListDataCentersResponse", "ErrorResponse",
		"Registry", "ListRegistriesResponse", "AccountSecret", "ListAccountSecretsResponse")
	if err != nil {
		t.Fatalf("compile extended response schemas: %v", err)
	}
	return schemas
}

// conformancePods makes a pod in every status, GPU and CPU, with and
// without ports and mounts. It returns their ids by role.
func conformancePods(t *testing.T, sim *Simulator, clock *fakeClock) map[string]string {
	t.Helper()
	ids := map[string]string{}
	full := gpuRequest("full", rtx4090, 2)
	full.Ports = []string{"8888/http", "22/tcp"}
	full.Env = map[string]string{"MODEL": "llama"}
	full.Gpu.MinVcpuCountPerGpu, full.Gpu.MinRamPerGpu = 8, 62
	full.Mounts = &runpodapi.Mounts{Persistent: &runpodapi.PersistentMount{Size: 20, Path: "/workspace"}}
	ids["registry"], ids["spare-registry"] = mustRegistry(t, sim, "reg-1", "u", "p"), mustRegistry(t, sim, "spare", "u", "p")
	ids["secret"] = mustSecret(t, sim, "hf_token", "hf_abc")
	full.Registry, full.StartJupyter, full.GlobalNetworking = ids["registry"], true, true
	full.Env["HF_TOKEN"] = runpodapi.SecretReference("hf_token")
	ids["running"] = mustSeed(t, sim, full).ID
	cpu := cpuRequest("cpu", 8)
	cpu.Mounts = &runpodapi.Mounts{Network: []runpodapi.NetworkMount{{VolumeID: "vol_abc", Path: "/runpod-volume"}}}
	cpu.Registry = ids["registry"] // still in use after the patch clears the GPU pod's
	ids["cpu-running"] = mustSeed(t, sim, cpu).ID
	ids["cpu-bare"] = mustSeed(t, sim, cpuRequest("cpu-bare", 2)).ID
	ids["exec"] = mustSeed(t, sim, wrapped(cpuRequest("exec", 2), "sleep", "infinity")).ID
	community := gpuRequest("community", "NVIDIA GeForce RTX 3090", 1)
	community.Cloud = runpodapi.CloudCommunity
	ids["community"] = mustSeed(t, sim, community).ID
	ids["exited"] = mustSeed(t, sim, gpuRequest("exited", rtx4090, 1)).ID
	failing := gpuRequest("failing", rtx4090, 1)
	failing.Env = map[string]string{EnvFailAfter: "1s"}
	ids["error"] = mustSeed(t, sim, failing).ID
	clock.Step(20 * time.Second)
	if err := sim.SetStatus(ids["exited"], runpodapi.StatusExited); err != nil {
		t.Fatal(err)
	}
	ids["starting"] = mustSeed(t, sim, gpuRequest("starting", rtx4090, 1)).ID
	clock.Step(12 * time.Second)
	ids["provisioning"] = mustSeed(t, sim, gpuRequest("provisioning", rtx4090, 1)).ID
	want := map[string]runpodapi.PodStatus{
		"running": runpodapi.StatusRunning, "cpu-running": runpodapi.StatusRunning, "exec": runpodapi.StatusRunning, "exited": runpodapi.StatusExited,
		"error": runpodapi.StatusError, "starting": runpodapi.StatusStarting, "provisioning": runpodapi.StatusProvisioning,
	}
	for role, st := range want {
		if got := mustPod(t, sim, ids[role]).Status; got != st {
			t.Fatalf("%s pod is %s, want %s", role, got, st)
		}
	}
	return ids
}

func TestResponsesConformToSpec(t *testing.T) {
	schemas, extended := responseSchemas(t), extendedResponseSchemas(t)
	sim, clock := newTestSim(t, func(o *Options) { o.Quota = Quota{Minute: 1000, Hour: 10000, Day: 100000} })
	ids := conformancePods(t, sim, clock)
	podPath := func(role string) string { return "/v2/pods/" + ids[role] }
	type tc struct {
		name         string
		method, path string
		body         any
		setup        func()
		code         int
		schema       string // "" = no body
	}
	cases := []tc{
		{name: "list pods", method: "GET", path: "/v2/pods", code: 200, schema: "ListPodsResponse"},
		{name: "create gpu pod", method: "POST", path: "/v2/pods", body: gpuRequest("new", rtx4090, 1), code: 201, schema: "Pod"},
		{name: "create cpu pod", method: "POST", path: "/v2/pods", body: cpuRequest("new-cpu", 2), code: 201, schema: "Pod"},
		{name: "patch", method: "PATCH", path: podPath("running"), body: map[string]any{"name": "renamed", "ports": []string{"22/tcp"}, "registry": nil}, code: 200, schema: "Pod"},
		{name: "action stop", method: "POST", path: podPath("starting") + "/action", body: map[string]string{"action": "stop"}, code: 200, schema: "Pod"},
		{name: "action start", method: "POST", path: podPath("error") + "/action", body: map[string]string{"action": "start"}, code: 200, schema: "Pod"},
		{name: "action terminate", method: "POST", path: podPath("cpu-bare") + "/action", body: map[string]string{"action": "terminate"}, code: 204},
		{name: "delete", method: "DELETE", path: podPath("community"), code: 204},
		{name: "catalog gpus", method: "GET", path: "/v2/catalog/gpus", code: 200, schema: "ListGpuTypesResponse"},
		{name: "catalog gpus availability", method: "GET", path: "/v2/catalog/gpus?include=AVAILABILITY&product=POD&count=2", code: 200, schema: "ListGpuTypesResponse"},
		{name: "catalog gpus community", method: "GET", path: "/v2/catalog/gpus?include=AVAILABILITY&product=POD,SERVERLESS&cloud=COMMUNITY&minCudaVersion=12", code: 200, schema: "ListGpuTypesResponse"},
		{name: "datacenters", method: "GET", path: "/v2/catalog/datacenters", code: 200, schema: "ListDataCentersResponse"},
		{name: "datacenters availability", method: "GET", path: "/v2/catalog/datacenters?include=GPU_AVAILABILITY,CPU_AVAILABILITY", code: 200, schema: "ListDataCentersResponse"},
		{name: "422 unknown gpu", method: "POST", path: "/v2/pods", body: gpuRequest("x", "NVIDIA B300", 1), code: 422, schema: "ErrorResponse"},
		{name: "400 capacity", method: "POST", path: "/v2/pods", body: gpuRequest("x", rtx4090, 1), setup: func() {
			for _, dc := range []string{"US-TX-3", "US-KS-2", "EU-RO-1", "CA-MTL-1", "EU-SE-1"} {
				sim.SetCapacity(rtx4090, dc, 0)
			}
		}, code: 400, schema: "ErrorResponse"},
		{name: "400 catalog", method: "GET", path: "/v2/catalog/gpus?include=AVAILABILITY", code: 400, schema: "ErrorResponse"},
		{name: "catalog cpus", method: "GET", path: "/v2/catalog/cpus", code: 200, schema: "ListCpuTypesResponse"},
		{name: "catalog cpus availability", method: "GET", path: "/v2/catalog/cpus?include=AVAILABILITY&product=POD&vcpuCount=8", code: 200, schema: "ListCpuTypesResponse"},
		{name: "catalog cpus none in stock", method: "GET", path: "/v2/catalog/cpus?include=AVAILABILITY&product=POD&vcpuCount=1024", code: 200, schema: "ListCpuTypesResponse"},
		{name: "400 catalog cpus without product", method: "GET", path: "/v2/catalog/cpus?include=AVAILABILITY", code: 400, schema: "ErrorResponse"},
		{name: "400 catalog cpus vcpuCount alone", method: "GET", path: "/v2/catalog/cpus?vcpuCount=4", code: 400, schema: "ErrorResponse"},
		{name: "422 catalog cpus vcpuCount not a power of two", method: "GET", path: "/v2/catalog/cpus?include=AVAILABILITY&product=POD&vcpuCount=6", code: 422, schema: "ErrorResponse"},
		{name: "404 pod", method: "GET", path: "/v2/pods/nope", code: 404, schema: "ErrorResponse"},
		{name: "404 route", method: "GET", path: "/v2/nope", code: 404, schema: "ErrorResponse"},
		{name: "405", method: "PUT", path: "/v2/pods", code: 405, schema: "ErrorResponse"},
		{name: "409", method: "POST", path: podPath("exited") + "/action", body: map[string]string{"action": "stop"}, code: 409, schema: "ErrorResponse"},
		{name: "422", method: "POST", path: "/v2/pods", body: `{"bogus":1}`, code: 422, schema: "ErrorResponse"},
		{name: "500 create", method: "POST", path: "/v2/pods", body: cpuRequest("x", 2), setup: func() { sim.SetFaults(Faults{CreateThen500: 1}) }, code: 500, schema: "ErrorResponse"},
		{name: "503 outage", method: "GET", path: "/v2/pods", setup: func() { sim.SetFaults(Faults{OutageUntil: clock.Now().Add(time.Second)}) }, code: 503, schema: "ErrorResponse"},
		{name: "5xx", method: "GET", path: "/v2/pods", setup: func() { sim.SetFaults(Faults{ErrorRate: 1}) }, schema: "ErrorResponse"},
		{name: "429 storm", method: "GET", path: "/v2/pods", setup: func() { sim.SetFaults(Faults{RateLimitStorm: true}) }, code: 429, schema: "ErrorResponse"},
		{name: "list after changes", method: "GET", path: "/v2/pods", setup: func() { sim.SetFaults(Faults{}); clock.Step(time.Minute) }, code: 200, schema: "ListPodsResponse"},
		{name: "list registries", method: "GET", path: "/v2/registries", code: 200, schema: "ListRegistriesResponse"},
		{name: "create registry", method: "POST", path: "/v2/registries", body: runpodapi.CreateRegistryRequest{Name: "r", Username: "u", Password: "p"}, code: 201, schema: "Registry"},
		{name: "get registry", method: "GET", path: "/v2/registries/" + ids["registry"], code: 200, schema: "Registry"},
		{name: "400 registry in use", method: "DELETE", path: "/v2/registries/" + ids["registry"], code: 400, schema: "ErrorResponse"},
		{name: "delete registry", method: "DELETE", path: "/v2/registries/" + ids["spare-registry"], code: 204},
		{name: "404 registry", method: "GET", path: "/v2/registries/nope", code: 404, schema: "ErrorResponse"},
		{name: "422 registry", method: "POST", path: "/v2/registries", body: `{"name":"r"}`, code: 422, schema: "ErrorResponse"},
		{name: "400 unknown registry", method: "POST", path: "/v2/pods", body: withRegistry(cpuRequest("x", 2), "nope"), code: 400, schema: "ErrorResponse"},
		{name: "list secrets", method: "GET", path: "/v2/account/secrets", code: 200, schema: "ListAccountSecretsResponse"},
		{name: "list secrets by name", method: "GET", path: "/v2/account/secrets?name=hf_token", code: 200, schema: "ListAccountSecretsResponse"},
		{name: "create secret", method: "POST", path: "/v2/account/secrets", body: runpodapi.CreateAccountSecretRequest{Name: "s", Value: "v", Description: "d"}, code: 201, schema: "AccountSecret"},
		{name: "409 secret", method: "POST", path: "/v2/account/secrets", body: runpodapi.CreateAccountSecretRequest{Name: "s", Value: "v"}, code: 409, schema: "ErrorResponse"},
		{name: "422 secret", method: "POST", path: "/v2/account/secrets", body: `{"name":"RUNPOD_X","value":"v"}`, code: 422, schema: "ErrorResponse"},
		{name: "delete secret", method: "DELETE", path: "/v2/account/secrets/" + ids["secret"], code: 204},
		{name: "404 secret", method: "DELETE", path: "/v2/account/secrets/" + ids["secret"], code: 404, schema: "ErrorResponse"},
		{name: "400 locked", method: "DELETE", path: podPath("cpu-running"), setup: func() { _ = sim.SetLocked(ids["cpu-running"], true) }, code: 400, schema: "ErrorResponse"},
		{name: "400 machine filter", method: "POST", path: "/v2/pods", body: `{"name":"m","image":"i","gpu":{"id":"NVIDIA GeForce RTX 4090","minRamPerGpu":9999}}`, code: 400, schema: "ErrorResponse"},
	}
	for _, role := range []string{"running", "cpu-running", "exec", "exited", "error", "starting", "provisioning"} {
		cases = append(cases, tc{name: "get " + role, method: "GET", path: podPath(role), code: 200, schema: "Pod"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup()
			}
			rec := call(t, sim, c.method, c.path, c.body)
			if c.code != 0 {
				wantStatus(t, rec, c.code)
			} else if rec.Code < 500 {
				t.Fatalf("status %d, want 5xx", rec.Code)
			}
			if rec.Header().Get("RateLimit") == "" {
				t.Fatalf("authenticated response without RateLimit header")
			}
			if c.schema == "" {
				if rec.Body.Len() != 0 {
					t.Fatalf("%d answered a body: %q", rec.Code, rec.Body.String())
				}
				return
			}
			wantType := "application/json"
			if c.schema == "ErrorResponse" {
				wantType = "application/problem+json"
			}
			if ct := rec.Header().Get("Content-Type"); ct != wantType {
				t.Fatalf("Content-Type = %q, want %q", ct, wantType)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(rec.Body.Bytes()))
			if err != nil {
				t.Fatalf("body is not JSON: %v\n%s", err, rec.Body.String())
			}
			for _, set := range []map[string]*jsonschema.Schema{schemas, extended} {
				if sch := set[c.schema]; sch != nil {
					if err := sch.Validate(inst); err != nil {
						t.Fatalf("response does not validate against %s: %v\n%s", c.schema, err, rec.Body.String())
					}
				}
			}
		})
	}
	// 401 and 413 come before authentication, without RateLimit headers, so they are checked apart.
	for _, c := range []struct {
		body    any
		headers map[string]string
		code    int
	}{{nil, nil, 401}, {bodyOf(runpodapi.MaxRequestBytes + 1), nil, 413}} {
		rec := callWith(t, sim, "POST", "/v2/pods", c.body, c.headers)
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(rec.Body.Bytes()))
		if err := schemas["ErrorResponse"].Validate(inst); rec.Code != c.code || err != nil || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%d = %d %v", c.code, rec.Code, err)
		}
	}
}

// TestEveryStatusValidates renders each status of GPU and CPU pods against the Pod schema.
func TestEveryStatusValidates(t *testing.T) {
	sch := responseSchemas(t)["Pod"]
	sim, _ := newTestSim(t, nil)
	for _, req := range []runpodapi.CreatePodRequest{gpuRequest("g", rtx4090, 1), cpuRequest("c", 2)} {
		id := mustSeed(t, sim, req).ID
		for _, st := range []runpodapi.PodStatus{runpodapi.StatusProvisioning, runpodapi.StatusStarting, runpodapi.StatusRunning, runpodapi.StatusExited, runpodapi.StatusError} {
			if err := sim.SetStatus(id, st); err != nil {
				t.Fatal(err)
			}
			rec := call(t, sim, "GET", "/v2/pods/"+id, nil)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(rec.Body.Bytes()))
			if err == nil {
				err = sch.Validate(inst)
			}
			if err != nil {
				t.Fatalf("%s %s pod: %v\n%s", req.Name, st, err, rec.Body.String())
			}
		}
	}
}

func TestEmbeddedSpecMatchesShared(t *testing.T) {
	shared, err := os.ReadFile(sharedSpecPath)
	if err != nil {
		t.Skipf("shared spec not available: %v", err)
	}
	if !bytes.Equal(shared, specJSON) {
		t.Fatalf("spec/openapi-v2.json differs from %s; copy it again", sharedSpecPath)
	}
}

// TestSchemaCatchesViolations guards the conformance tests: broken pods must fail.
func TestSchemaCatchesViolations(t *testing.T) {
	sch := responseSchemas(t)["Pod"]
	sim, _ := newTestSim(t, nil)
	body := call(t, sim, "POST", "/v2/pods", gpuRequest("g", rtx4090, 1)).Body.String()
	for _, tc := range []struct{ name, from, to string }{
		{"env missing", `"env":{},`, ``},
		{"unknown status", `"status":"PROVISIONING"`, `"status":"DONE"`},
		{"actions null", `"actions":["stop","terminate"]`, `"actions":null`},
	} {
		broken := bytes.Replace([]byte(body), []byte(tc.from), []byte(tc.to), 1)
		if bytes.Equal(broken, []byte(body)) {
			t.Fatalf("%s: %q not found in %s", tc.name, tc.from, body)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(broken))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if sch.Validate(inst) == nil {
			t.Fatalf("%s: the Pod schema accepted %s", tc.name, broken)
		}
	}
}

// podEdit is one change to a Pod answer and whether the extended spec
// must still accept it.
type podEdit struct {
	name, from, to string
	valid          bool
}

// checkPodEdits validates the Pod answer body, edited as each case says,
// against the Pod schema of the spec with the additions of spec_additions.go.
func checkPodEdits(t *testing.T, body []byte, edits []podEdit) {
	t.Helper()
	doc, err := extendedSpec()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := compileSchemas(doc, "Pod")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range edits {
		edited := body
		if tc.from != "" {
			if edited = bytes.Replace(body, []byte(tc.from), []byte(tc.to), 1); bytes.Equal(edited, body) {
				t.Fatalf("%s: %q not found in %s", tc.name, tc.from, body)
			}
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(edited))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if err := schemas["Pod"].Validate(inst); (err == nil) != tc.valid {
			t.Fatalf("%s: validation error %v, want valid=%v\n%s", tc.name, err, tc.valid, edited)
		}
	}
}

// TestExecFormConformsToExtendedSpec checks the exec-form fields, which the
// shared spec does not declare (its Pod allows unknown properties), against
// the spec with the additions of spec_additions.go.
func TestExecFormConformsToExtendedSpec(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	id := mustSeed(t, sim, wrapped(cpuRequest("exec", 2), "sleep", "infinity")).ID
	clock.Step(bootDelay)
	body := call(t, sim, "GET", "/v2/pods/"+id, nil).Body.Bytes()
	checkPodEdits(t, body, []podEdit{
		{"as answered", "", "", true},
		{"cmd not an array", `"cmd":["sleep","infinity"]`, `"cmd":"sleep infinity"`, false},
		{"entrypoint of numbers", `"entrypoint":["/bin/sh"`, `"entrypoint":[1`, false},
	})
}
