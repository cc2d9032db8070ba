package simulator

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// specJSON is a byte-identical copy of the RunPod REST v2 OpenAPI 3.1 document
// (shared/runpod/openapi-v2.json); request bodies are validated against it.
//
//go:embed spec/openapi-v2.json
var specJSON []byte

// Spec returns a copy of the embedded OpenAPI document.
func Spec() []byte { return bytes.Clone(specJSON) }

// specURL names the embedded document inside the schema compiler.
const specURL = "https://api.runpod.io/openapi-v2.json"

// CompileSpecSchemas compiles the named schemas of components/schemas from an
// OpenAPI 3.1 document (JSON Schema 2020-12; unknown keywords such as
// `examples` are ignored and format assertions stay off). Tests use it to
// validate responses against the shared spec file.
func CompileSpecSchemas(doc []byte, names ...string) (map[string]*jsonschema.Schema, error) {
	parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	return compileSchemas(parsed, names...)
}

func compileSchemas(parsed any, names ...string) (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(specURL, parsed); err != nil {
		return nil, fmt.Errorf("add OpenAPI document: %w", err)
	}
	out := make(map[string]*jsonschema.Schema, len(names))
	for _, name := range names {
		sch, err := c.Compile(specURL + "#/components/schemas/" + name)
		if err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", name, err)
		}
		out[name] = sch
	}
	return out, nil
}

// requestSchemas are the request bodies the simulator validates, and the
// parsed document they come from (for error messages).
type requestSchemas struct {
	doc            any
	create         *jsonschema.Schema
	update         *jsonschema.Schema
	action         *jsonschema.Schema
	createRegistry *jsonschema.Schema
	createSecret   *jsonschema.Schema
	updateSSHKeys  *jsonschema.Schema
}

// compileRequestSchemas compiles them from the embedded spec with the
// additions of spec_additions.go.
func compileRequestSchemas() (requestSchemas, error) {
	doc, err := extendedSpec()
	if err != nil {
		return requestSchemas{}, err
	}
	m, err := compileSchemas(doc, "CreatePodRequest", "UpdatePodRequest", "PodActionRequest", "CreateRegistryRequest", "CreateAccountSecretRequest", "UpdateSshKeysRequest")
	if err != nil {
		return requestSchemas{}, err
	}
	return requestSchemas{
		doc: doc, create: m["CreatePodRequest"], update: m["UpdatePodRequest"], action: m["PodActionRequest"],
		createRegistry: m["CreateRegistryRequest"], createSecret: m["CreateAccountSecretRequest"],
		updateSSHKeys: m["UpdateSshKeysRequest"],
	}, nil
}
