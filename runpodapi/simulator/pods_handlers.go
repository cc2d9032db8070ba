package simulator

import (
	"net/http"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// handleCreatePod answers POST /v2/pods with 201 and the pod. Under the
// CreateThen500 fault the pod is made (and billed) but the answer is 500.
func (s *Simulator) handleCreatePod(w http.ResponseWriter, r *http.Request) {
	raw, err := readBody(r)
	if err != nil {
		writeProblem(w, err)
		return
	}
	if d := s.CurrentFaults().SlowCreate; d > 0 {
		// The POST is in flight: the pod is made only when it lands, even if
		// the client has gone meanwhile.
		time.Sleep(d)
	}
	p, err := s.createPod(raw)
	if err != nil {
		writeProblem(w, err)
		return
	}
	if s.faults.takeCreateThen500() {
		writeProblem(w, problemf(http.StatusInternalServerError, "an internal error occurred while creating the pod"))
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *Simulator) handleGetPod(w http.ResponseWriter, r *http.Request) {
	p, ok := s.Pod(r.PathValue("id"))
	if !ok {
		writeProblem(w, errPodNotFound())
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Simulator) handlePatchPod(w http.ResponseWriter, r *http.Request) {
	raw, err := readBody(r)
	if err != nil {
		writeProblem(w, err)
		return
	}
	p, err := s.patchPod(r.PathValue("id"), raw)
	if err != nil {
		writeProblem(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Simulator) handleDeletePod(w http.ResponseWriter, r *http.Request) {
	if err := s.deletePod(r.PathValue("id")); err != nil {
		writeProblem(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handlePodAction answers POST /v2/pods/{id}/action: 200 with the pod, or
// 204 for terminate.
func (s *Simulator) handlePodAction(w http.ResponseWriter, r *http.Request) {
	raw, err := readBody(r)
	if err == nil {
		err = validateJSON(raw, s.schemas.action, s.schemas.doc)
	}
	if err != nil {
		writeProblem(w, err)
		return
	}
	var req runpodapi.PodActionRequest
	if err := decodeStrict(raw, &req); err != nil {
		writeProblem(w, err)
		return
	}
	p, deleted, err := s.applyAction(r.PathValue("id"), req.Action)
	switch {
	case err != nil:
		writeProblem(w, err)
	case deleted:
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusOK, p)
	}
}
