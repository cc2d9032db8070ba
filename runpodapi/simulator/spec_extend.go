package simulator

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// propertyAddition declares one property the spec lacks on an object schema.
type propertyAddition struct {
	at       string // a schema under components/schemas, or "Schema.property" for a property's own schema
	property string
	def      map[string]any
}

// ref is a JSON reference to a component schema.
func ref(schema string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + schema}
}

// operation is a minimal OpenAPI operation: one success answer (schema ""
// for no body) and the spec's problem+json for everything else.
func operation(id, summary string, body map[string]any, params []any, status, schema string) map[string]any {
	ok := map[string]any{"description": summary}
	if schema != "" {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": ref(schema)}}
	}
	op := map[string]any{
		"operationId": id,
		"summary":     summary,
		"tags":        []any{"Account"},
		"responses": map[string]any{
			status: ok,
			"default": map[string]any{
				"description": "Error",
				"content":     map[string]any{"application/problem+json": map[string]any{"schema": ref("ErrorResponse")}},
			},
		},
	}
	if body != nil {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": body}}}
	}
	if params != nil {
		op["parameters"] = params
	}
	return op
}

// extendSpec applies the additions of spec_additions.go to a parsed OpenAPI
// document in place. A property goes into the schema's own object (its
// first allOf member with properties, or the schema itself), so
// unevaluatedProperties: false on the composed request bodies sees it as
// declared. Anything the document already defines is an error: the spec
// caught up and the addition must go.
func extendSpec(doc any) error {
	schemas, ok := resolvePointer(doc, "/components/schemas").(map[string]any)
	if !ok {
		return fmt.Errorf("spec additions: the document has no components/schemas")
	}
	for name, def := range specSchemaAdditions {
		if _, exists := schemas[name]; exists {
			return fmt.Errorf("spec addition schema %s: the spec already defines it; remove the addition", name)
		}
		schemas[name] = cloneJSON(def)
	}
	paths, ok := resolvePointer(doc, "/paths").(map[string]any)
	if !ok {
		return fmt.Errorf("spec additions: the document has no paths")
	}
	for p, def := range specPathAdditions {
		if _, exists := paths[p]; exists {
			return fmt.Errorf("spec addition path %s: the spec already defines it; remove the addition", p)
		}
		paths[p] = cloneJSON(def)
	}
	for _, a := range specAdditions {
		props, err := additionTarget(schemas, a.at)
		if err != nil {
			return fmt.Errorf("spec addition %s.%s: %w", a.at, a.property, err)
		}
		if _, exists := props[a.property]; exists {
			return fmt.Errorf("spec addition %s.%s: the spec already defines it; remove the addition", a.at, a.property)
		}
		props[a.property] = cloneJSON(a.def)
	}
	return nil
}

// additionTarget finds the properties object a propertyAddition goes into.
// A property's own schema ("Pod.gpu") gets a properties object when it has
// none; a component schema must already have one.
func additionTarget(schemas map[string]any, at string) (map[string]any, error) {
	name, prop, nested := strings.Cut(at, ".")
	sch, ok := schemas[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schema %s not found", name)
	}
	props := propertiesOf(sch)
	if props == nil {
		return nil, fmt.Errorf("%s has no properties object", name)
	}
	if !nested {
		return props, nil
	}
	sub, ok := props[prop].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s has no property %s", name, prop)
	}
	if own, ok := sub["properties"].(map[string]any); ok {
		return own, nil
	}
	own := map[string]any{}
	sub["properties"] = own
	return own, nil
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

// cloneJSON deep-copies a JSON value so every document owns its additions.
func cloneJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneJSON(e)
		}
		return out
	}
	return v
}

// extendedSpec parses the embedded document and applies the additions.
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
// (the shared spec file, say) with the additions applied: what a client's
// requests are checked against until a newer spec carries them.
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
