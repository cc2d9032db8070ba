package simulator

import (
	"fmt"
	"net/http"
)

// detailLocked is the live API's answer to stop, restart and DELETE of a
// locked pod (API-NOTES, "Recorded live behaviour"); actions still lists them.
const detailLocked = "Pod is locked"

func errLocked() *Problem { return problemf(http.StatusBadRequest, detailLocked) }

// SetLocked locks or unlocks a pod from a test, as PATCH {"locked": …} does.
func (s *Simulator) SetLocked(id string, locked bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.st.pods[id]
	if !ok {
		return fmt.Errorf("set locked of pod %s: %w", id, errPodNotFound())
	}
	p.cfg.locked = locked
	return nil
}
