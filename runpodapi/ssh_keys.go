package runpodapi

import (
	"context"
	"net/http"
)

// SSHKeys is the account's registered SSH public keys (spec: SshKeys).
type SSHKeys struct {
	Keys []string `json:"keys"`
}

// ListAccountSSHKeys returns the account's registered SSH public keys
// (GET /v2/account/ssh-keys), authorized_keys lines. runpod-kubelet only
// reads them, to keep them in a pod whose PUBLIC_KEY it sets; it never
// replaces the set (PUT).
func (c *Client) ListAccountSSHKeys(ctx context.Context) ([]string, error) {
	var out SSHKeys
	err := c.do(ctx, call{op: "list account SSH keys", method: http.MethodGet, route: "GET /v2/account/ssh-keys",
		path: "/v2/account/ssh-keys", want: http.StatusOK, out: &out})
	if err != nil {
		return nil, err
	}
	return out.Keys, nil
}
