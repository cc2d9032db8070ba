package simulator

import (
	"math"
	"math/bits"
	"net/http"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// cpuQuery is a parsed GET /v2/catalog/cpus query.
type cpuQuery struct {
	availability bool
	vcpus        int
}

// parseCpuQuery applies the spec's parameter rules: malformed values are 422;
// product or vcpuCount without include=AVAILABILITY, and include without
// product, are 400.
func parseCpuQuery(r *http.Request) (cpuQuery, error) {
	q := r.URL.Query()
	include, err := queryEnumList(q, "include", "AVAILABILITY")
	if err != nil {
		return cpuQuery{}, err
	}
	products, err := queryEnumList(q, "product", "POD", "SERVERLESS")
	if err != nil {
		return cpuQuery{}, err
	}
	out := cpuQuery{availability: len(include) > 0}
	if out.vcpus, err = queryInt(q, "vcpuCount", 2, 2, math.MaxInt32); err != nil {
		return cpuQuery{}, err
	}
	if bits.OnesCount(uint(out.vcpus)) != 1 {
		return cpuQuery{}, problemf(http.StatusUnprocessableEntity, "vcpuCount %d is not a power of two", out.vcpus)
	}
	if !out.availability {
		for _, name := range []string{"product", "vcpuCount"} {
			if q.Has(name) {
				return cpuQuery{}, problemf(http.StatusBadRequest, "%s is valid only with include=AVAILABILITY", name)
			}
		}
		return out, nil
	}
	if len(products) == 0 {
		return cpuQuery{}, problemf(http.StatusBadRequest, "product is required with include=AVAILABILITY")
	}
	return out, nil
}

// handleListCpus answers GET /v2/catalog/cpus with the one built-in flavor;
// with include=AVAILABILITY, rated per data center for q.vcpus vCPUs.
func (s *Simulator) handleListCpus(w http.ResponseWriter, r *http.Request) {
	q, err := parseCpuQuery(r)
	if err != nil {
		writeProblem(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.st.cat.cpu
	ct := runpodapi.CpuType{ID: f.id, Name: f.name, Group: f.group,
		Vcpu: runpodapi.VcpuRange{Min: f.minVcpu, Max: f.maxVcpu}, RamGbPerVcpu: float64(f.ramGbPerVcpu),
		Price: runpodapi.CpuPrice{SecurePerVcpu: f.securePerVcpu, ServerlessPerVcpu: f.securePerVcpu}} // no serverless here: same price
	if q.availability {
		h := held(s.st.order, s.now())
		ct.Availability = runpodapi.AvailabilityNone
		for _, dc := range s.st.cat.dcs {
			k := capKey{f.id, dc.ID}
			if !s.st.cap.offered(k) {
				continue
			}
			level := runpodapi.AvailabilityNone
			if q.vcpus <= f.maxVcpu {
				level = availabilityLevel(s.st.cap.free(k, h), q.vcpus)
			}
			ct.DataCenters = append(ct.DataCenters, runpodapi.DataCenterAvailability{ID: dc.ID, Name: dc.Name, Availability: level})
			ct.Availability = better(ct.Availability, level)
		}
		if ct.Availability == runpodapi.AvailabilityNone {
			ct.DataCenters = nil // the spec omits dataCenters when unavailable everywhere
		}
	}
	writeJSON(w, http.StatusOK, runpodapi.ListCpuTypesResponse{Cpus: []runpodapi.CpuType{ct}})
}
