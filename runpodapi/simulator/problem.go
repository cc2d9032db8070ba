package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Problem is an RFC 9457 problem the simulator answers with. Seed and
// SetStatus return it as their error so tests can branch on Status.
type Problem struct {
	Status int      // HTTP status
	Detail string   // human-readable explanation
	Errors []string // request-validation failures (422)
}

// Error renders the problem like the client would log it.
func (p *Problem) Error() string {
	msg := fmt.Sprintf("%d %s: %s", p.Status, p.Title(), p.Detail)
	if len(p.Errors) > 0 {
		msg += " [" + strings.Join(p.Errors, "; ") + "]"
	}
	return msg
}

// Title is the spec's title for the status ("Not Found", "Too Many Requests", ...).
func (p *Problem) Title() string { return http.StatusText(p.Status) }

// Response is the wire form.
func (p *Problem) Response() runpodapi.ErrorResponse {
	return runpodapi.ErrorResponse{Title: p.Title(), Status: p.Status, Detail: p.Detail, Errors: p.Errors}
}

func problemf(status int, format string, args ...any) *Problem {
	return &Problem{Status: status, Detail: fmt.Sprintf(format, args...)}
}

// Details used by more than one route; the texts follow the spec's examples.
const (
	detailPodNotFound      = "pod not found"
	detailValidationFailed = "Request validation failed."
	detailNoCapacity       = "There are no longer any instances available with the requested specifications. Please refresh and try again."
	detailMethodNotAllowed = "The requested method is not allowed for this path."
)

func errPodNotFound() *Problem { return problemf(http.StatusNotFound, detailPodNotFound) }

func errInvalid(errs ...string) *Problem {
	return &Problem{Status: http.StatusUnprocessableEntity, Detail: detailValidationFailed, Errors: errs}
}

func errNoCapacity() *Problem { return problemf(http.StatusBadRequest, detailNoCapacity) }

// writeProblem answers err as problem+json; errors that are not a *Problem
// become a 500 whose detail does not leak internals.
func writeProblem(w http.ResponseWriter, err error) {
	var p *Problem
	if !errors.As(err, &p) {
		p = problemf(http.StatusInternalServerError, "internal error")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p.Response())
}

// writeJSON answers v as application/json with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeProblem(w, fmt.Errorf("encode response: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	_, _ = w.Write([]byte{'\n'})
}
