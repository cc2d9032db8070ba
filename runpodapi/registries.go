package runpodapi

import (
	"context"
	"net/http"
	"net/url"
)

// Registry is a stored container registry credential (spec: Registry); its
// username and password are write-only.
type Registry struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// CreateRegistryRequest stores a credential (spec: CreateRegistryRequest).
// The API has no registry-host field: a pod names the credential by id.
type CreateRegistryRequest struct {
	Name     string `json:"name"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// String keeps the password out of logs and errors.
func (r CreateRegistryRequest) String() string { return "registry credential " + r.Name }

// ListRegistriesResponse is the answer of GET /v2/registries.
type ListRegistriesResponse struct {
	Registries []Registry `json:"registries"`
}

// ListRegistries returns the account's registry credentials (GET /v2/registries).
func (c *Client) ListRegistries(ctx context.Context) ([]Registry, error) {
	var out ListRegistriesResponse
	err := c.do(ctx, call{op: "list registry credentials", method: http.MethodGet, route: "GET /v2/registries",
		path: "/v2/registries", want: http.StatusOK, out: &out})
	if err != nil {
		return nil, err
	}
	return out.Registries, nil
}

// CreateRegistry stores a registry credential (POST /v2/registries).
func (c *Client) CreateRegistry(ctx context.Context, req CreateRegistryRequest) (*Registry, error) {
	var out Registry
	err := c.do(ctx, call{op: "create registry credential " + req.Name, method: http.MethodPost, route: "POST /v2/registries",
		path: "/v2/registries", body: req, want: http.StatusCreated, out: &out})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteRegistry removes a registry credential (DELETE /v2/registries/{id});
// errors.Is(err, ErrNotFound) when it was already gone, ErrRejected while a
// pod still uses it.
func (c *Client) DeleteRegistry(ctx context.Context, id string) error {
	return c.do(ctx, call{op: "delete registry credential " + id, method: http.MethodDelete, route: "DELETE /v2/registries/{id}",
		path: "/v2/registries/" + url.PathEscape(id), want: http.StatusNoContent})
}
