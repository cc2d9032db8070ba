package simulator

import (
	"slices"
	"testing"
)

func TestAccountSSHKeysRoutes(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	a, b := newSSHKey(t).line, newSSHKey(t).line
	doc, err := extendedSpec()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := compileSchemas(doc, "SshKeys")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method string
		body         any
		code         int
		want         []string // the set afterwards
	}{
		{"empty at first", "GET", nil, 200, []string{}},
		{"register two", "PUT", map[string][]string{"keys": {a, b, a}}, 200, []string{a, b}},
		{"read back", "GET", nil, 200, []string{a, b}},
		{"a full replacement", "PUT", map[string][]string{"keys": {b}}, 200, []string{b}},
		{"pattern refused", "PUT", map[string][]string{"keys": {"not a key"}}, 422, []string{b}},
		{"bad base64 refused", "PUT", map[string][]string{"keys": {"ssh-ed25519 AAAA!!!! me"}}, 422, []string{b}},
		{"keys required", "PUT", map[string]any{}, 422, []string{b}},
		{"cleared", "PUT", map[string][]string{"keys": {}}, 200, []string{}},
		{"no DELETE", "DELETE", nil, 405, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, sim, tc.method, "/v2/account/ssh-keys", tc.body)
			if tc.code != 200 {
				problemOf(t, rec, tc.code)
			} else {
				wantStatus(t, rec, 200)
				got := decode[sshKeysBody](t, rec)
				if err := schemas["SshKeys"].Validate(decode[any](t, rec)); err != nil {
					t.Fatalf("answer does not match SshKeys: %v", err)
				}
				if !slices.Equal(got.Keys, tc.want) {
					t.Fatalf("keys = %q, want %q", got.Keys, tc.want)
				}
			}
			if got := sim.AccountSSHKeys(); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Fatalf("stored keys = %q, want %q", got, tc.want)
			}
		})
	}
}
