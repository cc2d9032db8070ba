package simulator

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Simulator is an in-memory RunPod REST v2 API. It implements http.Handler.
type Simulator struct {
	opts     Options
	schemas  requestSchemas
	mux      *http.ServeMux
	dice     *dice
	ids      *dice                       // registry and secret ids: their own draws leave pod ids as they were
	limiter  atomic.Pointer[rateLimiter] // SetQuota replaces it
	keys     apiKeys                     // accepted beside opts.APIKey
	faults   *faultState
	counters *counters
	ssh      *sshHub // the pods' SSH servers (ssh_hub.go)

	mu sync.Mutex // guards st
	st *store

	done      chan struct{} // closed by Close: log streams end
	closeOnce sync.Once
}

// New builds a simulator. It panics when opts.APIKey is empty or the
// embedded spec does not compile, both programming errors.
func New(opts Options) *Simulator {
	if opts.APIKey == "" {
		panic("simulator: Options.APIKey is required")
	}
	schemas, err := compileRequestSchemas()
	if err != nil {
		panic("simulator: " + err.Error())
	}
	opts = opts.withDefaults()
	s := &Simulator{
		opts:     opts,
		schemas:  schemas,
		mux:      http.NewServeMux(),
		dice:     newDice(opts.Seed),
		faults:   &faultState{},
		counters: newCounters(),
		ssh:      newSSHHub(),
		st:       newStore(opts),
		ids:      newDice(opts.Seed ^ accountSeed),
		done:     make(chan struct{}),
	}
	s.limiter.Store(newRateLimiter(opts.Quota))
	s.routes()
	return s
}

// Close ends open log streams and shuts every pod's SSH server down; the
// simulator keeps answering other requests. It is idempotent.
func (s *Simulator) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.closeSSH()
	})
}

// ServeHTTP routes a request.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// now is the simulator clock in UTC, at millisecond precision like the API's timestamps.
func (s *Simulator) now() time.Time { return s.opts.Clock.Now().UTC().Truncate(time.Millisecond) }

// apiRoute is one path of the public API and its handler per method.
type apiRoute struct {
	pattern string
	methods map[string]http.HandlerFunc
}

func (s *Simulator) routes() {
	for _, rt := range []apiRoute{
		{"/v2/pods", map[string]http.HandlerFunc{http.MethodGet: s.handleListPods, http.MethodPost: s.handleCreatePod}},
		{"/v2/pods/{id}", map[string]http.HandlerFunc{http.MethodGet: s.handleGetPod, http.MethodPatch: s.handlePatchPod, http.MethodDelete: s.handleDeletePod}},
		{"/v2/pods/{id}/action", map[string]http.HandlerFunc{http.MethodPost: s.handlePodAction}},
		{"/v2/pods/{id}/logs", map[string]http.HandlerFunc{http.MethodGet: s.handlePodLogs}},
		{"/v2/catalog/gpus", map[string]http.HandlerFunc{http.MethodGet: s.handleListGpus}},
		{"/v2/catalog/cpus", map[string]http.HandlerFunc{http.MethodGet: s.handleListCpus}},
		{"/v2/catalog/datacenters", map[string]http.HandlerFunc{http.MethodGet: s.handleListDataCenters}},
		{"/v2/registries", map[string]http.HandlerFunc{http.MethodGet: s.handleListRegistries, http.MethodPost: s.handleCreateRegistry}},
		{"/v2/registries/{id}", map[string]http.HandlerFunc{http.MethodGet: s.handleGetRegistry, http.MethodDelete: s.handleDeleteRegistry}},
		{"/v2/account/secrets", map[string]http.HandlerFunc{http.MethodGet: s.handleListAccountSecrets, http.MethodPost: s.handleCreateAccountSecret}},
		{"/v2/account/secrets/{id}", map[string]http.HandlerFunc{http.MethodDelete: s.handleDeleteAccountSecret}},
		{"/v2/account/ssh-keys", map[string]http.HandlerFunc{http.MethodGet: s.handleGetSSHKeys, http.MethodPut: s.handlePutSSHKeys}},
	} {
		s.mux.Handle(rt.pattern, s.api(rt))
	}
	s.mux.Handle("/", s.api(apiRoute{pattern: "(unknown)"}))
	s.adminRoutes()
}

// api wraps a route in the gateway every public request passes: counting,
// the body limit, authentication, faults, rate limits, and 404/405 problems.
func (s *Simulator) api(rt apiRoute) http.Handler {
	allow := allowHeader(rt.methods)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.counters.add(r.Method + " " + rt.pattern)
		if !limitBody(w, r) || !s.authorize(w, r) {
			return
		}
		if !s.gateway(w, r) {
			return
		}
		h, ok := rt.methods[r.Method]
		switch {
		case rt.methods == nil:
			writeProblem(w, problemf(http.StatusNotFound, "no route for %s %s", r.Method, r.URL.Path))
		case !ok:
			w.Header().Set("Allow", allow)
			writeProblem(w, problemf(http.StatusMethodNotAllowed, detailMethodNotAllowed))
		default:
			h(w, r)
		}
	})
}

func allowHeader(methods map[string]http.HandlerFunc) string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete} {
		if methods[m] != nil {
			out = append(out, m)
		}
	}
	return strings.Join(out, ", ")
}

// authorize checks the bearer key; a 401 never echoes what was presented and
// carries no rate-limit headers.
func (s *Simulator) authorize(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	switch {
	case h == "" || (strings.EqualFold(scheme, "Bearer") && token == ""):
		writeProblem(w, problemf(http.StatusUnauthorized, "missing bearer token"))
		return false
	case !strings.EqualFold(scheme, "Bearer"):
		writeProblem(w, problemf(http.StatusUnauthorized, "malformed authorization header: expected a bearer token"))
		return false
	case !s.accepts(token):
		writeProblem(w, problemf(http.StatusUnauthorized, "invalid bearer token"))
		return false
	}
	return true
}
