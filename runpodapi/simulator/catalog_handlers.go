package simulator

import (
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

var (
	countryCodeRe = regexp.MustCompile(`^[A-Z]{2}$`)
	cudaVersionRe = regexp.MustCompile(`^\d+\.\d+$`)
	cudaFloorRe   = regexp.MustCompile(`^\d+(\.\d+)?$`)
)

// gpuQuery is a parsed GET /v2/catalog/gpus query.
type gpuQuery struct {
	availability bool
	count        int
	cloud        runpodapi.Cloud
	countries    []string
	cudaVersions []string
	minCuda      string
}

// parseGpuQuery applies the spec's parameter rules: malformed values are
// 422; availability filters without include=AVAILABILITY, include without
// product, and both CUDA filters together are 400.
func parseGpuQuery(r *http.Request) (gpuQuery, error) {
	q := r.URL.Query()
	include, err := queryEnumList(q, "include", "AVAILABILITY")
	if err != nil {
		return gpuQuery{}, err
	}
	products, err := queryEnumList(q, "product", "POD", "CLUSTER", "SERVERLESS")
	if err != nil {
		return gpuQuery{}, err
	}
	out := gpuQuery{availability: len(include) > 0, cloud: runpodapi.CloudSecure}
	if out.count, err = queryInt(q, "count", 1, 1, math.MaxInt32); err != nil {
		return gpuQuery{}, err
	}
	clouds, err := queryEnumList(q, "cloud", string(runpodapi.CloudSecure), string(runpodapi.CloudCommunity))
	if err != nil {
		return gpuQuery{}, err
	}
	if len(clouds) > 0 {
		out.cloud = runpodapi.Cloud(clouds[0])
	}
	if out.countries, err = queryPatternList(q, "countryCodes", countryCodeRe); err != nil {
		return gpuQuery{}, err
	}
	if out.cudaVersions, err = queryPatternList(q, "cudaVersions", cudaVersionRe); err != nil {
		return gpuQuery{}, err
	}
	floor, err := queryPatternList(q, "minCudaVersion", cudaFloorRe)
	if err != nil {
		return gpuQuery{}, err
	}
	if len(floor) > 0 {
		out.minCuda = floor[0]
	}
	if !out.availability {
		for _, name := range []string{"product", "count", "cloud", "countryCodes", "cudaVersions", "minCudaVersion"} {
			if q.Has(name) {
				return gpuQuery{}, problemf(http.StatusBadRequest, "%s is valid only with include=AVAILABILITY", name)
			}
		}
		return out, nil
	}
	if len(products) == 0 {
		return gpuQuery{}, problemf(http.StatusBadRequest, "product is required with include=AVAILABILITY")
	}
	if len(out.cudaVersions) > 0 && out.minCuda != "" {
		return gpuQuery{}, problemf(http.StatusBadRequest, "cudaVersions and minCudaVersion are mutually exclusive")
	}
	return out, nil
}

// handleListGpus answers GET /v2/catalog/gpus.
func (s *Simulator) handleListGpus(w http.ResponseWriter, r *http.Request) {
	q, err := parseGpuQuery(r)
	if err != nil {
		writeProblem(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := held(s.st.order, s.now())
	out := runpodapi.ListGpuTypesResponse{Gpus: []runpodapi.GpuType{}}
	for _, g := range s.st.cat.gpus {
		if !q.availability {
			out.Gpus = append(out.Gpus, g)
			continue
		}
		if g, ok := s.gpuAvailability(g, q, h); ok {
			out.Gpus = append(out.Gpus, g)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// gpuAvailability adds availability, dataCenters and cudaVersions to g for
// the query. False drops the type (no data center in the requested countries).
func (s *Simulator) gpuAvailability(g runpodapi.GpuType, q gpuQuery, h map[capKey]int) (runpodapi.GpuType, bool) {
	g.Availability = runpodapi.AvailabilityNone
	inCountries := len(q.countries) == 0
	cuda := map[string]bool{}
	for _, dc := range s.st.cat.dcs {
		k := capKey{g.ID, dc.ID}
		if !s.st.cap.offered(k) || (len(q.countries) > 0 && !slices.Contains(q.countries, dc.country)) {
			continue
		}
		inCountries = true
		if !g.InCloud(q.cloud) || q.count > g.MaxCount.For(q.cloud) || !cudaAllowed(dc.cudaVersion, q.cudaVersions, q.minCuda) {
			continue
		}
		free := s.st.cap.free(k, h)
		level := availabilityLevel(free, q.count)
		g.DataCenters = append(g.DataCenters, runpodapi.DataCenterAvailability{ID: dc.ID, Name: dc.Name, Availability: level})
		g.Availability = better(g.Availability, level)
		cuda[dc.cudaVersion] = cuda[dc.cudaVersion] || free >= q.count
	}
	for _, v := range sortedCuda(cuda) {
		g.CudaVersions = append(g.CudaVersions, runpodapi.CudaVersionAvailability{Version: v, Available: cuda[v]})
	}
	return g, inCountries
}

// sortedCuda lists versions newest first.
func sortedCuda(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b string) int { return compareCuda(b, a) })
	return out
}

// handleListDataCenters answers GET /v2/catalog/datacenters.
func (s *Simulator) handleListDataCenters(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	include, err := queryEnumList(q, "include", "GPU_AVAILABILITY", "CPU_AVAILABILITY")
	if err == nil {
		_, err = queryEnumList(q, "regions", "NORTH_AMERICA", "SOUTH_AMERICA", "EUROPE", "ASIA", "MIDDLE_EAST", "AFRICA", "OCEANIA", "ANTARCTICA", "UNKNOWN")
	}
	if err == nil {
		_, err = queryEnumList(q, "networkVolumeTypes", "STANDARD", "HIGH_PERFORMANCE")
	}
	if err == nil {
		_, err = queryEnumList(q, "compliance", "GDPR", "ISO_IEC_27001", "ISO_14001", "PCI_DSS", "HITRUST", "SOC_1_TYPE_2", "SOC_2_TYPE_2", "SOC_3_TYPE_2", "ITAR", "FISMA_HIGH", "HIPAA", "RENEWABLE")
	}
	var global *bool
	if err == nil {
		global, err = queryBool(q, "globalNetwork")
	}
	if err != nil {
		writeProblem(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := held(s.st.order, s.now())
	out := runpodapi.ListDataCentersResponse{DataCenters: []runpodapi.DataCenter{}}
	for _, dc := range s.st.cat.dcs {
		if !dcMatches(dc, queryList(q, "regions"), queryList(q, "networkVolumeTypes"), queryList(q, "compliance"), global) {
			continue
		}
		d := dc.DataCenter
		d.NetworkVolumeTypes = slices.Clone(d.NetworkVolumeTypes)
		d.Compliance = slices.Clone(d.Compliance)
		if slices.Contains(include, "GPU_AVAILABILITY") {
			for _, g := range s.st.cat.gpus {
				if k := (capKey{g.ID, dc.ID}); s.st.cap.offered(k) {
					d.GpuAvailability = append(d.GpuAvailability, runpodapi.CatalogResourceAvailability{ID: g.ID, Name: g.Name, Availability: availabilityLevel(s.st.cap.free(k, h), 1)})
				}
			}
		}
		if k := (capKey{CPUFlavorID, dc.ID}); slices.Contains(include, "CPU_AVAILABILITY") && s.st.cap.offered(k) {
			cpu := s.st.cat.cpu
			d.CpuAvailability = []runpodapi.CatalogResourceAvailability{{ID: cpu.id, Name: cpu.name, Availability: availabilityLevel(s.st.cap.free(k, h), cpu.minVcpu)}}
		}
		out.DataCenters = append(out.DataCenters, d)
	}
	writeJSON(w, http.StatusOK, out)
}

// dcMatches applies the data center filters: regions OR, volume types and
// compliance AND, globalNetwork equality.
func dcMatches(dc dataCenter, regions, volumes, compliance []string, global *bool) bool {
	if len(regions) > 0 && !slices.Contains(regions, strings.ToUpper(dc.Region)) {
		return false
	}
	for _, v := range volumes {
		if !slices.Contains(dc.NetworkVolumeTypes, v) {
			return false
		}
	}
	for _, c := range compliance {
		if !slices.Contains(dc.Compliance, c) {
			return false
		}
	}
	return global == nil || *global == dc.GlobalNetwork
}
