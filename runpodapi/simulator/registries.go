package simulator

import (
	"net/http"
	"slices"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// registryCred is a stored container registry credential. Its username and
// password are write-only: no answer and no error ever carries them.
type registryCred struct {
	id, name           string
	username, password string
}

func (c *registryCred) view() runpodapi.Registry { return runpodapi.Registry{ID: c.id, Name: c.name} }

// registry finds a credential by id; the lock is held.
func (s *store) registry(id string) (*registryCred, bool) {
	i := slices.IndexFunc(s.registries, func(c *registryCred) bool { return c.id == id })
	if i < 0 {
		return nil, false
	}
	return s.registries[i], true
}

// checkRegistryRef refuses a pod's registry that names no stored credential.
func (s *store) checkRegistryRef(id *string) error {
	if id == nil {
		return nil
	}
	if _, ok := s.registry(*id); !ok {
		return problemf(http.StatusBadRequest, "registry %q: no container registry credential with that id", *id)
	}
	return nil
}

func errRegistryNotFound() *Problem {
	return problemf(http.StatusNotFound, "container registry credential not found")
}

// Registries are the stored registry credentials, in creation order (ids and names only).
func (s *Simulator) Registries() []runpodapi.Registry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]runpodapi.Registry, len(s.st.registries))
	for i, c := range s.st.registries {
		out[i] = c.view()
	}
	return out
}

// handleListRegistries answers GET /v2/registries.
func (s *Simulator) handleListRegistries(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, runpodapi.ListRegistriesResponse{Registries: s.Registries()})
}

// handleCreateRegistry answers POST /v2/registries with 201 {id, name}.
// Names need not be unique: the spec gives createRegistry no conflict answer.
func (s *Simulator) handleCreateRegistry(w http.ResponseWriter, r *http.Request) {
	raw, err := readBody(r)
	if err == nil {
		err = validateJSON(raw, s.schemas.createRegistry, s.schemas.doc)
	}
	var req runpodapi.CreateRegistryRequest
	if err == nil {
		err = decodeStrict(raw, &req)
	}
	if err != nil {
		writeProblem(w, err)
		return
	}
	s.mu.Lock()
	c := &registryCred{id: s.newAccountID(), name: req.Name, username: req.Username, password: req.Password}
	s.st.registries = append(s.st.registries, c)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, c.view())
}

// handleGetRegistry answers GET /v2/registries/{id}.
func (s *Simulator) handleGetRegistry(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.st.registry(r.PathValue("id"))
	s.mu.Unlock()
	if !ok {
		writeProblem(w, errRegistryNotFound())
		return
	}
	writeJSON(w, http.StatusOK, c.view())
}

// handleDeleteRegistry answers DELETE /v2/registries/{id}: 204, 404, or 400
// while a pod (every pod the account holds is not terminated) names it.
func (s *Simulator) handleDeleteRegistry(w http.ResponseWriter, r *http.Request) {
	if err := s.deleteRegistry(r.PathValue("id")); err != nil {
		writeProblem(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Simulator) deleteRegistry(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.registry(id); !ok {
		return errRegistryNotFound()
	}
	for _, p := range s.st.order {
		if p.cfg.registry != nil && *p.cfg.registry == id {
			return problemf(http.StatusBadRequest, "container registry credential %s is in use by pod %s (%s); delete the pod or clear its registry first", id, p.id, p.cfg.name)
		}
	}
	s.st.registries = slices.DeleteFunc(s.st.registries, func(c *registryCred) bool { return c.id == id })
	return nil
}
