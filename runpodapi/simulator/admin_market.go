package simulator

import (
	"net/http"
)

// adminMarketRoutes are the /_sim/ routes of the pod locks, the machines of
// the market and the private images of its registries.
func (s *Simulator) adminMarketRoutes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"POST /_sim/pods/{id}/lock": s.adminSetLocked,
		"GET /_sim/machines":        s.adminGetMachine,
		"POST /_sim/machines":       s.adminSetMachine,
		"POST /_sim/private-images": s.adminSetPrivateImage,
	}
}

func (s *Simulator) adminSetLocked(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Locked bool `json:"locked"`
	}
	if err := decodeAdmin(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	id := r.PathValue("id")
	if err := s.SetLocked(id, in.Locked); err != nil {
		writeProblem(w, err)
		return
	}
	p, _ := s.Pod(id)
	writeJSON(w, http.StatusOK, p)
}

// machineJSON is the body of /_sim/machines; dataCenterId "" means every data center.
type machineJSON struct {
	GpuTypeID    string `json:"gpuTypeId"`
	DataCenterID string `json:"dataCenterId,omitempty"`
	MachineSpec
}

func (s *Simulator) adminGetMachine(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m := machineJSON{GpuTypeID: q.Get("gpuTypeId"), DataCenterID: q.Get("dataCenterId")}
	m.MachineSpec = s.Machine(m.GpuTypeID, m.DataCenterID)
	writeJSON(w, http.StatusOK, m)
}

func (s *Simulator) adminSetMachine(w http.ResponseWriter, r *http.Request) {
	var in machineJSON
	if err := decodeAdmin(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	if in.GpuTypeID == "" || in.VcpuPerGpu < 0 || in.RamPerGpu < 0 {
		writeProblem(w, problemf(http.StatusBadRequest, "gpuTypeId is required; vcpuPerGpu and ramPerGpu must not be negative"))
		return
	}
	s.SetMachine(in.GpuTypeID, in.DataCenterID, in.MachineSpec)
	in.MachineSpec = s.Machine(in.GpuTypeID, in.DataCenterID)
	writeJSON(w, http.StatusOK, in)
}

// privateImageJSON is the body of POST /_sim/private-images.
type privateImageJSON struct {
	Repository string `json:"repository"`
	RegistryLogin
}

func (s *Simulator) adminSetPrivateImage(w http.ResponseWriter, r *http.Request) {
	var in privateImageJSON
	if err := decodeAdmin(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	if in.Repository == "" || in.Username == "" || in.Password == "" {
		writeProblem(w, problemf(http.StatusBadRequest, "repository, username and password are required"))
		return
	}
	s.SetPrivateImage(in.Repository, in.Username, in.Password)
	w.WriteHeader(http.StatusNoContent)
}
