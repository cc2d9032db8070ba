package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// validateJSON checks raw against sch: 400 if it is not JSON, 422 with one
// message per violation if it does not validate.
func validateJSON(raw []byte, sch *jsonschema.Schema, doc any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return problemf(http.StatusBadRequest, "request body is required")
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return problemf(http.StatusBadRequest, "request body is not valid JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return errInvalid(validationMessages(ve, doc)...)
		}
		return errInvalid(err.Error())
	}
	return nil
}

// decodeStrict decodes an already validated body into v.
func decodeStrict(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return errInvalid(fmt.Sprintf("$: %v", err))
	}
	return nil
}

// validationMessages flattens a validation error tree into messages like the
// spec's example "$: additional properties 'bogus' not allowed". Unevaluated
// properties (reported by the library as one "false schema" per property)
// are grouped per object into that same wording. A property the schema
// declares is only unevaluated because its subschema failed, and that failure
// is reported instead.
func validationMessages(ve *jsonschema.ValidationError, doc any) []string {
	var msgs []string
	unevaluated := map[string][]string{} // object path → property names
	var order []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		if _, ok := e.ErrorKind.(*kind.FalseSchema); ok && len(e.InstanceLocation) > 0 {
			prop := e.InstanceLocation[len(e.InstanceLocation)-1]
			if declared(doc, e.SchemaURL, prop) {
				return // left unevaluated only because its own subschema failed, which is reported
			}
			parent := instancePath(e.InstanceLocation[:len(e.InstanceLocation)-1])
			if _, seen := unevaluated[parent]; !seen {
				order = append(order, parent)
			}
			unevaluated[parent] = append(unevaluated[parent], prop)
			return
		}
		msgs = append(msgs, instancePath(e.InstanceLocation)+": "+kindMessage(e.ErrorKind))
	}
	walk(ve)
	for _, parent := range order {
		props := unevaluated[parent]
		slices.Sort(props)
		props = slices.Compact(props)
		quoted := make([]string, len(props))
		for i, p := range props {
			quoted[i] = "'" + p + "'"
		}
		msgs = append(msgs, fmt.Sprintf("%s: additional properties %s not allowed", parent, strings.Join(quoted, ", ")))
	}
	slices.Sort(msgs)
	return slices.Compact(msgs)
}

// declared reports whether the schema owning the unevaluatedProperties
// keyword at schemaURL declares prop, following $ref and the applicators.
func declared(doc any, schemaURL, prop string) bool {
	_, frag, _ := strings.Cut(schemaURL, "#")
	owner, ok := strings.CutSuffix(frag, "/unevaluatedProperties")
	if !ok {
		return false
	}
	return declares(doc, resolvePointer(doc, owner), prop, 0)
}

func declares(doc, sch any, prop string, depth int) bool {
	obj, ok := sch.(map[string]any)
	if !ok || depth > 16 {
		return false
	}
	if props, ok := obj["properties"].(map[string]any); ok {
		if _, ok := props[prop]; ok {
			return true
		}
	}
	if ref, ok := obj["$ref"].(string); ok && strings.HasPrefix(ref, "#") {
		if declares(doc, resolvePointer(doc, ref[1:]), prop, depth+1) {
			return true
		}
	}
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		list, _ := obj[kw].([]any)
		for _, sub := range list {
			if declares(doc, sub, prop, depth+1) {
				return true
			}
		}
	}
	for _, kw := range []string{"if", "then", "else"} {
		if declares(doc, obj[kw], prop, depth+1) {
			return true
		}
	}
	return false
}

// resolvePointer follows a JSON pointer ("/components/schemas/Pod") in doc.
func resolvePointer(doc any, ptr string) any {
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			cur = v[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		default:
			return nil
		}
	}
	return cur
}

// kindMessage is the library's English text for one failed keyword.
func kindMessage(k jsonschema.ErrorKind) string {
	leaf := &jsonschema.ValidationError{ErrorKind: k}
	return strings.TrimPrefix(leaf.Error(), "at '': ")
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// instancePath renders a JSON location as "$", "$.gpu.count" or "$.ports[0]".
func instancePath(tokens []string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, t := range tokens {
		switch {
		case isIndex(t):
			b.WriteString("[" + t + "]")
		case identifier.MatchString(t):
			b.WriteString("." + t)
		default:
			b.WriteString("['" + strings.ReplaceAll(t, "'", `\'`) + "']")
		}
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
