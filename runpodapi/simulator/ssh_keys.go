package simulator

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
)

// EnvPublicKey is the env var RunPod images read authorized_keys lines from,
// and that startSsh fills with the account's registered keys.
const EnvPublicKey = "PUBLIC_KEY"

// sshKeysBody is the spec's SshKeys and UpdateSshKeysRequest.
type sshKeysBody struct {
	Keys []string `json:"keys"`
}

// normalizeSSHKeys is a key set as stored: trimmed, blank lines dropped,
// duplicates removed (a set), in the order given.
func normalizeSSHKeys(keys []string) []string {
	out := []string{}
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// SetAccountSSHKeys replaces the account's registered SSH public keys, as
// PUT /v2/account/ssh-keys does; only pods created afterwards see them.
func (s *Simulator) SetAccountSSHKeys(keys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.sshKeys = normalizeSSHKeys(keys)
}

// AccountSSHKeys are the account's registered SSH public keys.
func (s *Simulator) AccountSSHKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.sshKeys)
}

// handleGetSSHKeys answers GET /v2/account/ssh-keys.
func (s *Simulator) handleGetSSHKeys(w http.ResponseWriter, _ *http.Request) {
	keys := s.AccountSSHKeys()
	if keys == nil {
		keys = []string{} // the spec requires the array
	}
	writeJSON(w, http.StatusOK, sshKeysBody{Keys: keys})
}

// handlePutSSHKeys answers PUT /v2/account/ssh-keys: a full replacement of
// the set, 422 when an entry is not an SSH public key.
func (s *Simulator) handlePutSSHKeys(w http.ResponseWriter, r *http.Request) {
	raw, err := readBody(r)
	if err == nil {
		err = validateJSON(raw, s.schemas.updateSSHKeys, s.schemas.doc)
	}
	var req sshKeysBody
	if err == nil {
		err = decodeStrict(raw, &req)
	}
	if err == nil {
		err = checkSSHKeys(req.Keys)
	}
	if err != nil {
		writeProblem(w, err)
		return
	}
	s.SetAccountSSHKeys(req.Keys)
	writeJSON(w, http.StatusOK, sshKeysBody{Keys: s.AccountSSHKeys()})
}

// checkSSHKeys refuses entries the schema's pattern lets through but sshd
// could not use (bad base64, unknown key type).
func checkSSHKeys(keys []string) error {
	var errs []string
	for i, k := range keys {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k)); err != nil {
			errs = append(errs, fmt.Sprintf("$.keys[%d]: not an SSH public key", i))
		}
	}
	if len(errs) > 0 {
		return errInvalid(errs...)
	}
	return nil
}

// injectPublicKey is what startSsh does at create: PUBLIC_KEY holds the
// registered keys, one a line, unless the request set PUBLIC_KEY itself;
// with no registered key the flag does nothing (the spec). The lock is held.
func (st *store) injectPublicKey(env map[string]string, startSSH bool) {
	if _, set := env[EnvPublicKey]; !startSSH || set || len(st.sshKeys) == 0 {
		return
	}
	env[EnvPublicKey] = strings.Join(st.sshKeys, "\n")
}

// authorizedKeys parses the container's PUBLIC_KEY as authorized_keys
// lines; lines that are no key are skipped, as sshd does.
func authorizedKeys(env map[string]string) []ssh.PublicKey {
	var out []ssh.PublicKey
	rest := []byte(env[EnvPublicKey])
	for len(rest) > 0 {
		key, _, _, next, err := ssh.ParseAuthorizedKey(rest)
		if err != nil {
			break
		}
		out = append(out, key)
		rest = next
	}
	return out
}
