package simulator

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// GET /v2/pods pages like the live API: Options.PageSize pods per page in
// creation order, and `pagination.nextCursor` names the place after the
// page's last pod, so a pod deleted between two pages moves nothing. The
// ListLag, EmptyLists and FailPages faults apply here.

const cursorPrefix = "after:"

func encodeCursor(seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatUint(seq, 10)))
}

func decodeCursor(c string) (uint64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, found := strings.CutPrefix(string(raw), cursorPrefix)
	if !found {
		return 0, false
	}
	seq, err := strconv.ParseUint(n, 10, 64)
	return seq, err == nil
}

// handleListPods answers GET /v2/pods. Cluster pods do not exist here, so
// includeClusterPods only needs to be a boolean.
func (s *Simulator) handleListPods(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if v := q.Get("includeClusterPods"); v != "" {
		if _, err := strconv.ParseBool(v); err != nil {
			writeProblem(w, errInvalid("includeClusterPods: want a boolean, got "+strconv.Quote(v)))
			return
		}
	}
	var after uint64
	cursor := q.Get(runpodapi.ListCursorParam)
	if cursor != "" {
		var ok bool
		if after, ok = decodeCursor(cursor); !ok {
			writeProblem(w, errInvalid(runpodapi.ListCursorParam+": "+strconv.Quote(cursor)+" is not a cursor this API gave out"))
			return
		}
		if s.faults.take(func(f *Faults) *int { return &f.FailPages }) {
			writeProblem(w, problemf(http.StatusInternalServerError, "an internal error occurred while listing pods"))
			return
		}
	} else if s.faults.take(func(f *Faults) *int { return &f.EmptyLists }) {
		writeJSON(w, http.StatusOK, runpodapi.ListPodsResponse{Pods: []runpodapi.Pod{}, Pagination: &runpodapi.Pagination{}})
		return
	}
	writeJSON(w, http.StatusOK, s.listPage(after, s.CurrentFaults().ListLag))
}

// listPage is the page after the pod at place after; pods younger than lag
// are left out (the listing lags behind creates).
func (s *Simulator) listPage(after uint64, lag time.Duration) runpodapi.ListPodsResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := runpodapi.ListPodsResponse{Pods: []runpodapi.Pod{}, Pagination: &runpodapi.Pagination{}}
	var last uint64
	for _, p := range s.st.order {
		if p.seq <= after || (lag > 0 && now.Sub(p.createdAt) < lag) {
			continue
		}
		if len(out.Pods) == s.opts.PageSize {
			next := encodeCursor(last)
			out.Pagination = &runpodapi.Pagination{HasNextPage: true, NextCursor: &next}
			break
		}
		out.Pods = append(out.Pods, p.view(now))
		last = p.seq
	}
	return out
}
