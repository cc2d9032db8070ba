package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// FaultsJSON is the wire form of Faults on /_sim/faults: durations are Go
// duration strings ("250ms"), OutageUntil is RFC 3339, and OutageFor is an
// alternative relative to the simulator clock.
type FaultsJSON struct {
	Latency        string    `json:"latency,omitempty"`
	ErrorRate      float64   `json:"errorRate,omitempty"`
	RateLimitStorm bool      `json:"rateLimitStorm,omitempty"`
	CreateThen500  int       `json:"createThen500,omitempty"`
	ResetRate      float64   `json:"resetRate,omitempty"`
	OutageUntil    time.Time `json:"outageUntil,omitzero"`
	OutageFor      string    `json:"outageFor,omitempty"`
	ListLag        string    `json:"listLag,omitempty"`
	EmptyLists     int       `json:"emptyLists,omitempty"`
	FailPages      int       `json:"failPages,omitempty"`
	SlowCreate     string    `json:"slowCreate,omitempty"`
}

// adminRoutes serve /_sim/: the test-only control plane of a simulator run
// as its own process. It needs the API key but is neither counted, rate
// limited nor faulted.
func (s *Simulator) adminRoutes() {
	routes := map[string]http.HandlerFunc{
		"GET /_sim/counters":          s.adminCounters,
		"DELETE /_sim/counters":       s.adminResetCounters,
		"GET /_sim/faults":            s.adminGetFaults,
		"POST /_sim/faults":           s.adminSetFaults,
		"POST /_sim/pods/{id}/status": s.adminSetStatus,
		"GET /_sim/capacity":          s.adminGetCapacity,
		"POST /_sim/capacity":         s.adminSetCapacity,
		"POST /_sim/seed":             s.adminSeed,
		"GET /_sim/pods/{id}/ssh":     s.adminSSH,
		"/_sim/":                      s.adminNotFound,
	}
	maps.Copy(routes, s.adminMarketRoutes())
	for pattern, h := range routes {
		s.mux.Handle(pattern, s.admin(h))
	}
}

func (s *Simulator) admin(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if limitBody(w, r) && s.authorize(w, r) {
			h(w, r)
		}
	})
}

func (s *Simulator) adminNotFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, problemf(http.StatusNotFound, "no admin route for %s %s", r.Method, r.URL.Path))
}

func (s *Simulator) adminCounters(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Counters())
}

func (s *Simulator) adminResetCounters(w http.ResponseWriter, _ *http.Request) {
	s.ResetCounters()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Simulator) adminGetFaults(w http.ResponseWriter, _ *http.Request) {
	f := s.CurrentFaults()
	out := FaultsJSON{ErrorRate: f.ErrorRate, RateLimitStorm: f.RateLimitStorm, CreateThen500: f.CreateThen500, ResetRate: f.ResetRate, OutageUntil: f.OutageUntil,
		EmptyLists: f.EmptyLists, FailPages: f.FailPages}
	for _, d := range []struct {
		v   time.Duration
		out *string
	}{{f.Latency, &out.Latency}, {f.ListLag, &out.ListLag}, {f.SlowCreate, &out.SlowCreate}} {
		if d.v > 0 {
			*d.out = d.v.String()
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Simulator) adminSetFaults(w http.ResponseWriter, r *http.Request) {
	var in FaultsJSON
	if err := decodeAdmin(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	f := Faults{ErrorRate: in.ErrorRate, RateLimitStorm: in.RateLimitStorm, CreateThen500: in.CreateThen500, ResetRate: in.ResetRate, OutageUntil: in.OutageUntil,
		EmptyLists: in.EmptyLists, FailPages: in.FailPages}
	var outage time.Duration
	for _, d := range []struct {
		in  string
		out *time.Duration
	}{{in.Latency, &f.Latency}, {in.OutageFor, &outage}, {in.ListLag, &f.ListLag}, {in.SlowCreate, &f.SlowCreate}} {
		v, err := optionalDuration(d.in)
		if err != nil {
			writeProblem(w, err)
			return
		}
		*d.out = v
	}
	if outage > 0 {
		f.OutageUntil = s.now().Add(outage)
	}
	s.SetFaults(f)
	s.adminGetFaults(w, r)
}

func (s *Simulator) adminSetStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status runpodapi.PodStatus `json:"status"`
	}
	if err := decodeAdmin(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	id := r.PathValue("id")
	if err := s.SetStatus(id, in.Status); err != nil {
		writeProblem(w, err)
		return
	}
	if p, ok := s.Pod(id); ok {
		writeJSON(w, http.StatusOK, p)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func optionalDuration(raw string) (time.Duration, error) {
	if raw == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		return 0, problemf(http.StatusBadRequest, "invalid duration %q: %v", raw, err)
	}
	return d, nil
}

// capacityJSON is the body of /_sim/capacity.
type capacityJSON struct {
	GpuTypeID    string `json:"gpuTypeId"`
	DataCenterID string `json:"dataCenterId"`
	Free         int    `json:"free"`
}

func (s *Simulator) adminGetCapacity(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c := capacityJSON{GpuTypeID: q.Get("gpuTypeId"), DataCenterID: q.Get("dataCenterId")}
	c.Free = s.Capacity(c.GpuTypeID, c.DataCenterID)
	writeJSON(w, http.StatusOK, c)
}

func (s *Simulator) adminSetCapacity(w http.ResponseWriter, r *http.Request) {
	var in capacityJSON
	if err := decodeAdmin(r, &in); err != nil {
		writeProblem(w, err)
		return
	}
	if in.GpuTypeID == "" || in.DataCenterID == "" {
		writeProblem(w, problemf(http.StatusBadRequest, "gpuTypeId and dataCenterId are required"))
		return
	}
	s.SetCapacity(in.GpuTypeID, in.DataCenterID, in.Free)
	in.Free = s.Capacity(in.GpuTypeID, in.DataCenterID)
	writeJSON(w, http.StatusOK, in)
}

// adminSeed creates a pod like POST /v2/pods, bypassing quota and faults.
func (s *Simulator) adminSeed(w http.ResponseWriter, r *http.Request) {
	raw, err := readBody(r)
	if err == nil {
		var p runpodapi.Pod
		if p, err = s.createPod(raw); err == nil {
			writeJSON(w, http.StatusCreated, p)
			return
		}
	}
	writeProblem(w, err)
}

// decodeAdmin decodes an admin body strictly: unknown fields are a 400.
func decodeAdmin(r *http.Request, v any) error {
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return problemf(http.StatusBadRequest, "%s", fmt.Sprintf("decode body: %v", err))
	}
	return nil
}
