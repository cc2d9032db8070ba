package policy

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// specPath is the RunPod v2 OpenAPI document; override with RUNPOD_OPENAPI_SPEC.
func specPath() string {
	if p := os.Getenv("RUNPOD_OPENAPI_SPEC"); p != "" {
		return p
	}
	return "../../shared/runpod/openapi-v2.json"
}

// createPodSchema compiles the spec's CreatePodRequest, or skips the caller
// when the spec is not on this machine.
func createPodSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile(specPath())
	if err != nil {
		t.Skipf("RunPod OpenAPI spec not available (%v); set RUNPOD_OPENAPI_SPEC", err)
	}
	// The live API's exec-form entrypoint/cmd, added where the simulator adds them.
	m, err := simulator.CompileExtendedSchemas(raw, "CreatePodRequest")
	if err != nil {
		t.Fatalf("compile CreatePodRequest: %v", err)
	}
	return m["CreatePodRequest"]
}

// checkAgainstSpec validates a request against the schema (when given) and
// against the rules the spec leaves to the handler.
func checkAgainstSpec(t *testing.T, schema *jsonschema.Schema, r runpodapi.CreatePodRequest) {
	t.Helper()
	if schema != nil {
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("request does not match CreatePodRequest: %v\n%s", err, raw)
		}
	}
	for _, problem := range handlerRuleViolations(r) {
		t.Errorf("request breaks a handler rule: %s", problem)
	}
}

// handlerRuleViolations are the spec's rules enforced at the handler layer.
func handlerRuleViolations(r runpodapi.CreatePodRequest) []string {
	var out []string
	port := regexp.MustCompile(`^[0-9]{1,5}/(http|tcp)$`)
	if r.Name == "" || len(r.Name) > maxNameLength {
		out = append(out, "name must be 1 to 191 characters")
	}
	if (r.Gpu == nil) == (r.Cpu == nil) {
		out = append(out, "exactly one of gpu or cpu")
	}
	if r.Image == "" && r.TemplateID == "" {
		out = append(out, "image or templateId")
	}
	if g := r.Gpu; g != nil {
		if g.ID == "" || g.Count < 1 {
			out = append(out, "gpu needs an id and a count ≥ 1")
		}
		if len(g.AllowedCudaVersions) > 0 && g.MinCudaVersion != "" {
			out = append(out, "allowedCudaVersions and minCudaVersion are exclusive")
		}
	}
	if c := r.Cpu; c != nil && (c.ID == "" || c.VcpuCount < 2 || c.VcpuCount&(c.VcpuCount-1) != 0) {
		out = append(out, "cpu needs an id and a power-of-two vcpuCount ≥ 2")
	}
	if m := r.Mounts; m != nil && (len(m.Network) > 1 || (m.Persistent != nil && len(m.Network) > 0) || (r.Cpu != nil && m.Persistent != nil)) {
		out = append(out, "mounts: at most one, network only on CPU pods")
	}
	for _, p := range r.Ports {
		if !port.MatchString(p) {
			out = append(out, "port "+p)
		}
	}
	if len(r.DataCenterIDs) > 1 || (len(r.DataCenterIDs) == 1 && strings.TrimSpace(r.DataCenterIDs[0]) == "") {
		out = append(out, "one data center per candidate")
	}
	return out
}

func TestHandlerRuleViolationsCatchesBadRequests(t *testing.T) {
	bad := runpodapi.CreatePodRequest{
		Gpu: &runpodapi.CreateGpuConfig{AllowedCudaVersions: []string{"12.8"}, MinCudaVersion: "12.1"},
		Cpu: &runpodapi.CreateCpuConfig{VcpuCount: 3}, Ports: []string{"53/udp"},
		Mounts:        &runpodapi.Mounts{Network: []runpodapi.NetworkMount{{}, {}}},
		DataCenterIDs: []string{"A", "B"},
	}
	if got := handlerRuleViolations(bad); len(got) != 9 {
		t.Errorf("found %d problems, want 9: %q", len(got), got)
	}
}

// TestSpecSchemaRejects proves the schema check has teeth.
func TestSpecSchemaRejects(t *testing.T) {
	schema := createPodSchema(t)
	for _, body := range []string{
		`{"image":"x","gpu":{"id":"g"}}`,                                                    // no name
		`{"name":"n","gpu":{"id":"g"}}`,                                                     // no image, no template
		`{"name":"n","image":"x","gpu":{"id":"g","minCudaVersion":"12"}}`,                   // pattern
		`{"name":"n","image":"x","cpu":{"id":"c","vcpuCount":1}}`,                           // minimum
		`{"name":"n","image":"x","gpu":{"id":"g"},"entrypoint":"sh"}`,                       // unknown field
		`{"name":"n","image":"x","gpu":{"id":"g"},"mounts":{"network":[{"volumeId":"v"}]}}`, // no path
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if schema.Validate(inst) == nil {
			t.Errorf("schema accepts %s", body)
		}
	}
}
