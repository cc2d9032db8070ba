package simulator

import (
	"net/http"
	"regexp"
	"slices"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// accountSecret is a stored account secret; its value is write-only and
// reaches only a booting container's env.
type accountSecret struct {
	id, name, description string
	value                 string
}

func (a *accountSecret) view() runpodapi.AccountSecret {
	return runpodapi.AccountSecret{ID: a.id, Name: a.name, Description: a.description}
}

// secretRef matches runpodapi.SecretReference, lenient about the blanks inside the braces.
var secretRef = regexp.MustCompile(`\{\{\s*RUNPOD_SECRET_([A-Za-z0-9_.\-/]+)\s*\}\}`)

// substituteSecrets is env as the container sees it: every reference to a
// stored secret replaced by its value; a reference to an unknown name stays
// literal. The pod's own env, which the API answers with, is not touched.
func (s *store) substituteSecrets(env map[string]string) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = secretRef.ReplaceAllStringFunc(v, func(ref string) string {
			name := secretRef.FindStringSubmatch(ref)[1]
			if a, ok := s.secretNamed(name); ok {
				return a.value
			}
			return ref
		})
	}
	return out
}

func (s *store) secretNamed(name string) (*accountSecret, bool) {
	i := slices.IndexFunc(s.secrets, func(a *accountSecret) bool { return a.name == name })
	if i < 0 {
		return nil, false
	}
	return s.secrets[i], true
}

// AccountSecrets are the stored account secrets, in creation order (ids,
// names and descriptions; never values).
func (s *Simulator) AccountSecrets() []runpodapi.AccountSecret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.secretViews("")
}

// secretViews lists the secrets, only the one called name when name is set.
func (s *store) secretViews(name string) []runpodapi.AccountSecret {
	out := []runpodapi.AccountSecret{}
	for _, a := range s.secrets {
		if name == "" || a.name == name {
			out = append(out, a.view())
		}
	}
	return out
}

// handleListAccountSecrets answers GET /v2/account/secrets[?name=].
func (s *Simulator) handleListAccountSecrets(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	views := s.st.secretViews(r.URL.Query().Get("name"))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, runpodapi.ListAccountSecretsResponse{Secrets: views})
}

// handleCreateAccountSecret answers POST /v2/account/secrets with 201, or
// 409 when the name is taken.
func (s *Simulator) handleCreateAccountSecret(w http.ResponseWriter, r *http.Request) {
	a, err := s.createAccountSecret(r)
	if err != nil {
		writeProblem(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

func (s *Simulator) createAccountSecret(r *http.Request) (runpodapi.AccountSecret, error) {
	raw, err := readBody(r)
	if err == nil {
		err = validateJSON(raw, s.schemas.createSecret, s.schemas.doc)
	}
	var req runpodapi.CreateAccountSecretRequest
	if err == nil {
		err = decodeStrict(raw, &req)
	}
	if err != nil {
		return runpodapi.AccountSecret{}, err
	}
	// The RUNPOD prefix rule is the client's ValidSecretName; sharing it keeps the two from drifting.
	if !runpodapi.ValidSecretName(req.Name) {
		return runpodapi.AccountSecret{}, errInvalid("$.name: want letters, digits and _.-/, at most 191, not starting with RUNPOD")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.st.secretNamed(req.Name); taken {
		return runpodapi.AccountSecret{}, problemf(http.StatusConflict, "an account secret named %q already exists", req.Name)
	}
	a := &accountSecret{id: s.newAccountID(), name: req.Name, description: req.Description, value: req.Value}
	s.st.secrets = append(s.st.secrets, a)
	return a.view(), nil
}

// handleDeleteAccountSecret answers DELETE /v2/account/secrets/{id}: 204 or 404.
func (s *Simulator) handleDeleteAccountSecret(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	n := len(s.st.secrets)
	s.st.secrets = slices.DeleteFunc(s.st.secrets, func(a *accountSecret) bool { return a.id == id })
	found := len(s.st.secrets) < n
	s.mu.Unlock()
	if !found {
		writeProblem(w, problemf(http.StatusNotFound, "account secret not found"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
