package simulator

import (
	"bytes"
	"io"
	"net/http"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// errTooLarge is the live API's answer to a body over runpodapi.MaxRequestBytes.
func errTooLarge() *Problem {
	return problemf(http.StatusRequestEntityTooLarge, "request body exceeds the limit of %d bytes", runpodapi.MaxRequestBytes)
}

// limitBody answers 413 for a body over runpodapi.MaxRequestBytes, before
// authentication as the live API does, and otherwise buffers the body for
// the handler. It reports whether the request may go on.
func limitBody(w http.ResponseWriter, r *http.Request) bool {
	if r.ContentLength > runpodapi.MaxRequestBytes {
		writeProblem(w, errTooLarge())
		return false
	}
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, runpodapi.MaxRequestBytes+1))
	switch {
	case err != nil:
		writeProblem(w, problemf(http.StatusBadRequest, "read request body: %v", err))
		return false
	case len(raw) > runpodapi.MaxRequestBytes:
		writeProblem(w, errTooLarge())
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	return true
}

// readBody reads a request body of bounded size (limitBody has usually
// buffered it already).
func readBody(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, runpodapi.MaxRequestBytes+1))
	if err != nil {
		return nil, problemf(http.StatusBadRequest, "read request body: %v", err)
	}
	if len(raw) > runpodapi.MaxRequestBytes {
		return nil, errTooLarge()
	}
	return raw, nil
}
