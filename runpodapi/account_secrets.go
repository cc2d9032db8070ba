package runpodapi

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// AccountSecret is a RunPod account secret as listed: its value is
// write-only (API-NOTES, "Account secrets").
type AccountSecret struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// CreateAccountSecretRequest stores a secret (POST /v2/account/secrets).
type CreateAccountSecretRequest struct {
	Name        string `json:"name"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
}

// String keeps the value out of logs and errors.
func (r CreateAccountSecretRequest) String() string { return "account secret " + r.Name }

// ListAccountSecretsResponse is the answer of GET /v2/account/secrets.
type ListAccountSecretsResponse struct {
	Secrets []AccountSecret `json:"secrets"`
}

// MaxSecretNameLength is the longest account secret name RunPod accepts.
const MaxSecretNameLength = 191

var secretNameRE = regexp.MustCompile(`^[A-Za-z0-9_.\-/]+$`)

// ValidSecretName says whether RunPod accepts name for an account secret:
// letters, digits and _.-/, at most 191, not starting with RUNPOD.
func ValidSecretName(name string) bool {
	return len(name) <= MaxSecretNameLength && secretNameRE.MatchString(name) &&
		!strings.HasPrefix(strings.ToUpper(name), "RUNPOD")
}

// SecretReference is how a pod's env names an account secret; RunPod
// substitutes the value when the container boots.
func SecretReference(name string) string { return "{{ RUNPOD_SECRET_" + name + " }}" }

// ListAccountSecrets returns the account's secrets (GET /v2/account/secrets);
// a non-empty name filters to that name.
func (c *Client) ListAccountSecrets(ctx context.Context, name string) ([]AccountSecret, error) {
	var q url.Values
	if name != "" {
		q = url.Values{"name": {name}}
	}
	var out ListAccountSecretsResponse
	err := c.do(ctx, call{op: "list account secrets", method: http.MethodGet, route: "GET /v2/account/secrets",
		path: "/v2/account/secrets", query: q, want: http.StatusOK, out: &out})
	if err != nil {
		return nil, err
	}
	return out.Secrets, nil
}

// CreateAccountSecret stores a secret (POST /v2/account/secrets);
// errors.Is(err, ErrConflict) when the name is taken.
func (c *Client) CreateAccountSecret(ctx context.Context, req CreateAccountSecretRequest) (*AccountSecret, error) {
	var out AccountSecret
	err := c.do(ctx, call{op: "create account secret " + req.Name, method: http.MethodPost, route: "POST /v2/account/secrets",
		path: "/v2/account/secrets", body: req, want: http.StatusCreated, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAccountSecret removes a secret (DELETE /v2/account/secrets/{id});
// errors.Is(err, ErrNotFound) when it was already gone.
func (c *Client) DeleteAccountSecret(ctx context.Context, id string) error {
	return c.do(ctx, call{op: "delete account secret " + id, method: http.MethodDelete, route: "DELETE /v2/account/secrets/{id}",
		path: "/v2/account/secrets/" + url.PathEscape(id), want: http.StatusNoContent})
}
