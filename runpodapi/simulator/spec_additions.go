package simulator

// Spec additions: what the live API gained after the embedded August 2026
// spec (shared/runpod/API-NOTES.md, "What changed after the spec"). This is
// the only place the simulator departs from spec/openapi-v2.json; when a
// newer spec carries these fields, schemas or paths, copy it over the
// embedded file and delete the matching entries here (extendSpec refuses to
// add what the spec already defines, so a newer spec makes that loud).
//
//   - ContainerConfig.entrypoint and ContainerConfig.cmd (exec-form command):
//     arrays of strings. ContainerConfig is shared by CreatePodRequest,
//     UpdatePodRequest and Pod (and templates and endpoints, as the notes say),
//     so the request bodies accept them and Pod answers may carry them.
//     Delete when the spec carries them.
//   - CreateGpuConfig.minVcpuCountPerGpu and CreateGpuConfig.minRamPerGpu:
//     machine filters of a create. Delete when the spec carries them.
//   - Pod.gpu.vcpuCount and Pod.gpu.memory: the allocated host totals. Added
//     to the Pod's gpu property, not to GpuConfig, because CreateGpuConfig
//     extends GpuConfig and a create must not accept them. Delete when the
//     spec carries them.
//   - Account secrets: the schemas AccountSecret, CreateAccountSecretRequest
//     and ListAccountSecretsResponse, and the paths /v2/account/secrets and
//     /v2/account/secrets/{id}. Delete when the spec carries them.
var specAdditions = []propertyAddition{
	// Delete when the spec carries ContainerConfig.entrypoint.
	{"ContainerConfig", "entrypoint", map[string]any{
		"type":        "array",
		"items":       map[string]any{"type": "string"},
		"description": "Overrides the image's ENTRYPOINT (exec form). [] clears the override; omitted in a PATCH leaves it.",
	}},
	// Delete when the spec carries ContainerConfig.cmd.
	{"ContainerConfig", "cmd", map[string]any{
		"type":        "array",
		"items":       map[string]any{"type": "string"},
		"description": "The image's CMD: the argument list passed to the ENTRYPOINT (exec form). [] clears it; omitted in a PATCH leaves it.",
	}},
	// Delete when the spec carries CreateGpuConfig.minVcpuCountPerGpu.
	{"CreateGpuConfig", "minVcpuCountPerGpu", map[string]any{
		"type": "integer", "minimum": 1,
		"description": "Only machines with at least this many host vCPUs per GPU. A filter, not a request.",
	}},
	// Delete when the spec carries CreateGpuConfig.minRamPerGpu.
	{"CreateGpuConfig", "minRamPerGpu", map[string]any{
		"type": "integer", "minimum": 1,
		"description": "Only machines with at least this many GB of host RAM per GPU. A filter, not a request.",
	}},
	// Delete when the spec carries the Pod's gpu.vcpuCount.
	{"Pod.gpu", "vcpuCount", map[string]any{
		"type": "integer", "minimum": 0,
		"description": "Host vCPUs allocated to the pod: count × the machine's vCPUs per GPU.",
	}},
	// Delete when the spec carries the Pod's gpu.memory.
	{"Pod.gpu", "memory", map[string]any{
		"type": "integer", "minimum": 0,
		"description": "GB of host RAM allocated to the pod: count × the machine's RAM per GPU.",
	}},
}

// specSchemaAdditions are whole schemas the spec lacks, under components/schemas.
var specSchemaAdditions = map[string]map[string]any{
	// Delete when the spec carries AccountSecret.
	"AccountSecret": {
		"type":     "object",
		"required": []any{"id", "name"},
		"properties": map[string]any{
			"id":          map[string]any{"type": "string"},
			"name":        map[string]any{"type": "string"},
			"description": map[string]any{"type": "string"},
		},
		"description": "An account secret as listed: its value is write-only and never returned.",
	},
	// Delete when the spec carries CreateAccountSecretRequest.
	"CreateAccountSecretRequest": {
		"type":                 "object",
		"additionalProperties": false,
		"required":             []any{"name", "value"},
		"properties": map[string]any{
			"name": map[string]any{
				"type": "string", "minLength": 1, "maxLength": 191, "pattern": `^[A-Za-z0-9_.\-/]+$`,
				"description": "Letters, digits and _.-/; must not start with RUNPOD (any case). A pod references it in env as {{ RUNPOD_SECRET_<name> }}.",
			},
			"value":       map[string]any{"type": "string", "minLength": 1, "description": "Write-only; substituted when a container boots."},
			"description": map[string]any{"type": "string"},
		},
	},
	// Delete when the spec carries ListAccountSecretsResponse.
	"ListAccountSecretsResponse": {
		"type":       "object",
		"required":   []any{"secrets"},
		"properties": map[string]any{"secrets": map[string]any{"type": "array", "items": ref("AccountSecret")}},
	},
}

// specPathAdditions are whole paths the spec lacks. The simulator routes by
// its own table; these keep the extended document honest for readers.
var specPathAdditions = map[string]map[string]any{
	// Delete when the spec carries /v2/account/secrets.
	"/v2/account/secrets": {
		"get": operation("listAccountSecrets", "List account secrets (names and ids, never values)", nil,
			[]any{map[string]any{"name": "name", "in": "query", "required": false, "schema": map[string]any{"type": "string"}}},
			"200", "ListAccountSecretsResponse"),
		"post": operation("createAccountSecret", "Create an account secret; 409 when the name is taken", ref("CreateAccountSecretRequest"),
			nil, "201", "AccountSecret"),
	},
	// Delete when the spec carries /v2/account/secrets/{id}.
	"/v2/account/secrets/{id}": {
		"parameters": []any{map[string]any{"name": "id", "in": "path", "required": true, "schema": map[string]any{"type": "string"}}},
		"delete":     operation("deleteAccountSecret", "Delete an account secret", nil, nil, "204", ""),
	},
}
