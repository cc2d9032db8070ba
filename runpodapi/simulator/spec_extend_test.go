package simulator

import (
	"bytes"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestSpecAdditionsAreDeclared(t *testing.T) {
	doc, err := extendedSpec()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ pointer, property string }{
		{"/components/schemas/CreatePodRequest", "entrypoint"},
		{"/components/schemas/CreateGpuConfig", "minVcpuCountPerGpu"},
		{"/components/schemas/CreateGpuConfig", "minRamPerGpu"},
		{"/components/schemas/Pod/allOf/1/properties/gpu", "vcpuCount"},
		{"/components/schemas/Pod/allOf/1/properties/gpu", "memory"},
		{"/components/schemas/AccountSecret", "name"},
		{"/components/schemas/CreateAccountSecretRequest", "value"},
		{"/components/schemas/ListAccountSecretsResponse", "secrets"},
	} {
		if !declares(doc, resolvePointer(doc, tc.pointer), tc.property, 0) {
			t.Errorf("%s does not declare %s", tc.pointer, tc.property)
		}
	}
	if declares(doc, resolvePointer(doc, "/components/schemas/CreateGpuConfig"), "vcpuCount", 0) {
		t.Errorf("a create's gpu block declares the answer's vcpuCount")
	}
	for _, p := range []string{"/paths/~1v2~1account~1secrets/get", "/paths/~1v2~1account~1secrets/post", "/paths/~1v2~1account~1secrets~1{id}/delete"} {
		if resolvePointer(doc, p) == nil {
			t.Errorf("%s missing", p)
		}
	}
}

// TestSpecCatchingUpFailsLoudly: each kind of addition refuses to replace
// what a newer spec defines, so the stale addition gets deleted.
func TestSpecCatchingUpFailsLoudly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pointer string // an object in the spec that gains key
		key     string
	}{
		{"a schema", "/components/schemas", "AccountSecret"},
		{"a path", "/paths", "/v2/account/secrets"},
		{"a property", "/components/schemas/CreateGpuConfig/allOf/1/properties", "minRamPerGpu"},
		{"a property of a property", "/components/schemas/Pod/allOf/1/properties/gpu", "properties"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(specJSON))
			if err != nil {
				t.Fatal(err)
			}
			obj := resolvePointer(doc, tc.pointer).(map[string]any)
			obj[tc.key] = map[string]any{}
			if tc.key == "properties" {
				obj[tc.key] = map[string]any{"vcpuCount": map[string]any{"type": "integer"}}
			}
			if err := extendSpec(doc); err == nil || !strings.Contains(err.Error(), "remove the addition") {
				t.Fatalf("extend a spec that has %s: %v, want the remove-the-addition error", tc.name, err)
			}
		})
	}
}

func TestPodGpuBlockConformsToExtendedSpec(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	body := call(t, sim, "POST", "/v2/pods", gpuRequest("g", rtx4090, 2)).Body.Bytes()
	checkPodEdits(t, body, []podEdit{
		{"as answered", "", "", true},
		{"vcpuCount a string", `"vcpuCount":16`, `"vcpuCount":"16"`, false},
		{"memory negative", `"memory":124`, `"memory":-1`, false},
	})
}
