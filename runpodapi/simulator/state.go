package simulator

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// store is the simulated account and market: pods, registry credentials,
// account secrets, the capacity and machines of the market and the private
// images of the registries. The Simulator's mutex guards it; its methods
// assume the lock is held.
type store struct {
	cat      catalog
	cap      capacity
	machines machines
	pods     map[string]*pod
	order    []*pod // creation order, which is the order GET /v2/pods lists
	seq      uint64 // the last pod's place in order; cursors name a place
	// removedLogs keeps the container lines of deleted pods, for tests
	// (RunPod's API serves none once a pod is gone).
	removedLogs map[string][]string

	registries []*registryCred          // creation order
	secrets    []*accountSecret         // creation order
	sshKeys    []string                 // the registered SSH public keys (ssh_keys.go)
	private    map[string]RegistryLogin // imageRepository → the login its registry wants
}

func newStore(o Options) *store {
	cat := builtinCatalog()
	st := &store{
		cat: cat, cap: newCapacity(cat.offers), machines: newMachines(o.Machines),
		pods: make(map[string]*pod), private: map[string]RegistryLogin{},
	}
	for repo, login := range o.PrivateImages {
		st.private[imageRepository(repo)] = login
	}
	return st
}

func (s *store) add(p *pod) {
	s.seq++
	p.seq = s.seq
	s.pods[p.id] = p
	s.order = append(s.order, p)
}

func (s *store) remove(id string, t time.Time) bool {
	p, ok := s.pods[id]
	if !ok {
		return false
	}
	p.settle(t)
	if s.removedLogs == nil {
		s.removedLogs = map[string][]string{}
	}
	s.removedLogs[id] = p.log.containerLines()
	delete(s.pods, id)
	s.order = slices.DeleteFunc(s.order, func(p *pod) bool { return p.id == id })
	return true
}

func (s *store) views(t time.Time) []runpodapi.Pod {
	out := make([]runpodapi.Pod, len(s.order))
	for i, p := range s.order {
		out[i] = p.view(t)
	}
	return out
}

// Pods is a snapshot of the live pods, as GET /v2/pods shows them now.
func (s *Simulator) Pods() []runpodapi.Pod {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.views(s.now())
}

// Pod is one pod as GET /v2/pods/{id} shows it now.
func (s *Simulator) Pod(id string) (runpodapi.Pod, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.st.pods[id]
	if !ok {
		return runpodapi.Pod{}, false
	}
	return p.view(s.now()), true
}

// SetCapacity sets the free count of a GPU type (or vCPUs of CPUFlavorID) in
// a data center, creating the pool if the data center did not offer it.
func (s *Simulator) SetCapacity(gpuTypeID, dataCenterID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.cap.setFree(capKey{gpuTypeID, dataCenterID}, n, held(s.st.order, s.now()))
}

// Capacity is the free count of a GPU type (or vCPUs of CPUFlavorID) in a data center.
func (s *Simulator) Capacity(gpuTypeID, dataCenterID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.cap.free(capKey{gpuTypeID, dataCenterID}, held(s.st.order, s.now()))
}

// SetStatus forces a pod's status from a test: EXITED and ERROR end the run,
// PROVISIONING, STARTING and RUNNING begin a new pass from that phase (capacity
// is not checked), TERMINATED deletes the pod.
func (s *Simulator) SetStatus(id string, st runpodapi.PodStatus) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.st.pods[id]
	if !ok {
		return fmt.Errorf("set status of pod %s: %w", id, errPodNotFound())
	}
	now := s.now()
	switch st {
	case runpodapi.StatusExited:
		p.halt(now, st, "container exited")
		s.syncPodSSH(p)
	case runpodapi.StatusError:
		p.halt(now, st, "container failed")
		s.syncPodSSH(p)
	case runpodapi.StatusProvisioning, runpodapi.StatusStarting, runpodapi.StatusRunning:
		p.settle(now)
		s.bootPod(p, now, st)
	case runpodapi.StatusTerminated:
		s.removePod(id, now)
	default:
		return fmt.Errorf("set status of pod %s: %w", id, problemf(http.StatusUnprocessableEntity, "unknown status %q", st))
	}
	return nil
}

// applyAction performs a pod action; deleted is true for terminate.
func (s *Simulator) applyAction(id string, a runpodapi.PodAction) (view runpodapi.Pod, deleted bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.st.pods[id]
	if !ok {
		return runpodapi.Pod{}, false, errPodNotFound()
	}
	now := s.now()
	p.settle(now)
	st := p.status(now)
	if !slices.Contains(actionsFor(st), a) {
		return runpodapi.Pod{}, false, problemf(http.StatusConflict, "action %q is not valid for a pod in status %s; valid actions: %v", a, st, actionsFor(st))
	}
	if p.cfg.locked && a != runpodapi.ActionStart {
		return runpodapi.Pod{}, false, errLocked() // terminate is the DELETE, which a lock refuses too
	}
	switch a {
	case runpodapi.ActionTerminate:
		s.removePod(id, now)
		return runpodapi.Pod{}, true, nil
	case runpodapi.ActionStop:
		p.stop(now)
		s.syncPodSSH(p)
	case runpodapi.ActionRestart:
		p.system(now, "restarting container")
		s.bootPod(p, now, runpodapi.StatusStarting)
	case runpodapi.ActionStart:
		// The pod resumes on its host, so its GPUs must be free there again.
		res, units := p.resource()
		if s.st.cap.free(capKey{res, p.dc}, held(s.st.order, now)) < units {
			return runpodapi.Pod{}, false, errNoCapacity()
		}
		p.system(now, "starting container")
		s.bootPod(p, now, runpodapi.StatusStarting)
	}
	return p.view(now), false, nil
}

// deletePod terminates a pod.
func (s *Simulator) deletePod(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.st.pods[id]
	switch {
	case !ok:
		return errPodNotFound()
	case p.cfg.locked:
		return errLocked()
	}
	s.removePod(id, s.now())
	return nil
}

// ContainerLog is the container log lines of a pod, live or deleted (a
// test's view: the API serves no log of a deleted pod).
func (s *Simulator) ContainerLog(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.st.pods[id]; ok {
		p.settle(s.now())
		return p.log.containerLines()
	}
	return slices.Clone(s.st.removedLogs[id])
}
