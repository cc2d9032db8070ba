package simulator

import (
	"bytes"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Spec additions: what the live API gained after the embedded August 2026
// spec (shared/runpod/API-NOTES.md, "What changed after the spec"). This is
// the only place the simulator departs from spec/openapi-v2.json; when a
// newer spec carries these fields, copy it over the embedded file and delete
// the matching entries here.
//
//   - ContainerConfig.entrypoint and ContainerConfig.cmd (exec-form command):
//     arrays of strings. ContainerConfig is shared by CreatePodRequest,
//     UpdatePodRequest and Pod (and templates and endpoints, as the notes say),
//     so the request bodies accept them and Pod answers may carry them.
var specAdditions = []struct {
	schema   string // under components/schemas
	property string
	def      map[string]any
}{
	{"ContainerConfig", "entrypoint", map[string]any{
		"type":        "array",
		"items":       map[string]any{"type": "string"},
		"description": "Overrides the image's ENTRYPOINT (exec form). [] clears the override; omitted in a PATCH leaves it.",
	}},
	{"ContainerConfig", "cmd", map[string]any{
		"type":        "array",
		"items":       map[string]any{"type": "string"},
		"description": "The image's CMD: the argument list passed to the ENTRYPOINT (exec form). [] clears it; omitted in a PATCH leaves it.",
	}},
}

// extendSpec applies specAdditions to a parsed OpenAPI document in place.
// Each addition goes into the schema's own object (its first allOf member
// with properties, or the schema itself), so unevaluatedProperties: false
// on the composed request bodies sees it as declared.
func extendSpec(doc any) error {
	for _, a := range specAdditions {
		sch, ok := resolvePointer(doc, "/components/schemas/"+a.schema).(map[string]any)
		if !ok {
			return fmt.Errorf("spec addition %s.%s: schema %s not found", a.schema, a.property, a.schema)
		}
		props := propertiesOf(sch)
		if props == nil {
			return fmt.Errorf("spec addition %s.%s: %s has no properties object", a.schema, a.property, a.schema)
		}
		if _, exists := props[a.property]; exists {
			return fmt.Errorf("spec addition %s.%s: the spec already defines it; remove the addition", a.schema, a.property)
		}
		props[a.property] = a.def
	}
	return nil
}

// propertiesOf finds the properties object of sch itself or of its first
// allOf member that has one.
func propertiesOf(sch map[string]any) map[string]any {
	if props, ok := sch["properties"].(map[string]any); ok {
		return props
	}
	list, _ := sch["allOf"].([]any)
	for _, sub := range list {
		if m, ok := sub.(map[string]any); ok {
			if props, ok := m["properties"].(map[string]any); ok {
				return props
			}
		}
	}
	return nil
}

// extendedSpec parses the embedded document and applies specAdditions.
func extendedSpec() (any, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(specJSON))
	if err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	if err := extendSpec(doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// CompileExtendedSchemas compiles the named schemas of an OpenAPI document
// (the shared spec file, say) with specAdditions applied: what a client's
// requests are checked against until a newer spec carries the fields.
func CompileExtendedSchemas(doc []byte, names ...string) (map[string]*jsonschema.Schema, error) {
	parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	if err := extendSpec(parsed); err != nil {
		return nil, err
	}
	return compileSchemas(parsed, names...)
}
