package simulator

import (
	"net/http"
	"strconv"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// handleListPods answers GET /v2/pods. Cluster pods do not exist here, so
// includeClusterPods only needs to be a boolean.
func (s *Simulator) handleListPods(w http.ResponseWriter, r *http.Request) {
	if v := r.URL.Query().Get("includeClusterPods"); v != "" {
		if _, err := strconv.ParseBool(v); err != nil {
			writeProblem(w, errInvalid("includeClusterPods: want a boolean, got "+strconv.Quote(v)))
			return
		}
	}
	writeJSON(w, http.StatusOK, runpodapi.ListPodsResponse{Pods: s.Pods()})
}

// handleCreatePod answers POST /v2/pods with 201 and the pod. Under the
// CreateThen500 fault the pod is made (and billed) but the answer is 500.
func (s *Simulator) handleCreatePod(w http.ResponseWriter, r *http.Request) {
	raw, err := readBody(r)
	if err != nil {
		writeProblem(w, err)
		return
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
