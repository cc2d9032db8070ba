package simulator

import (
	"math/bits"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// createPlan is a schema-valid create body checked against the handler-layer
// rules: what to place, where it may go and what it costs.
type createPlan struct {
	resource        string // GPU type id or CPU flavor id
	units           int    // GPUs or vCPUs
	cloud           runpodapi.Cloud
	unitPrice       float64
	dataCenterIDs   []string // preference order; empty = any
	allowedCuda     []string // exact CUDA versions; empty = any
	minCuda         string   // CUDA floor; "" = none
	globalNetworked bool
	minVcpuPerGpu   int // machine filters (machines.go); 0 = none
	minRamPerGpu    int
}

// fits reports whether dc can host the plan apart from stock: CUDA version
// of its hosts and global networking.
func (p createPlan) fits(dc dataCenter) bool {
	if p.globalNetworked && !dc.GlobalNetwork {
		return false
	}
	return cudaAllowed(dc.cudaVersion, p.allowedCuda, p.minCuda)
}

// cudaAllowed applies an exact set or a numeric floor to a host's CUDA version.
func cudaAllowed(version string, allowed []string, floor string) bool {
	if len(allowed) > 0 && !slices.Contains(allowed, version) {
		return false
	}
	return floor == "" || compareCuda(version, floor) >= 0
}

// compareCuda compares "major.minor" numerically (12.11 > 12.2).
func compareCuda(a, b string) int {
	amaj, amin := splitCuda(a)
	bmaj, bmin := splitCuda(b)
	if amaj != bmaj {
		return amaj - bmaj
	}
	return amin - bmin
}

func splitCuda(v string) (major, minor int) {
	maj, mnr, _ := strings.Cut(v, ".")
	major, _ = strconv.Atoi(maj)
	minor, _ = strconv.Atoi(mnr)
	return major, minor
}

// planCreate applies the cross-field rules the spec enforces at the handler
// layer (400 Bad Request). req has passed the schema and names exactly one
// of gpu and cpu.
func planCreate(cat *catalog, req *runpodapi.CreatePodRequest) (createPlan, error) {
	plan := createPlan{cloud: req.Cloud, dataCenterIDs: req.DataCenterIDs, globalNetworked: req.GlobalNetworking}
	if plan.cloud == "" {
		plan.cloud = runpodapi.CloudSecure
	}
	for _, id := range req.DataCenterIDs {
		if _, ok := cat.dc(id); !ok {
			return createPlan{}, problemf(http.StatusBadRequest, "unknown data center %q in dataCenterIds", id)
		}
	}
	if req.Mounts != nil && req.Mounts.Persistent != nil && len(req.Mounts.Network) > 0 {
		return createPlan{}, problemf(http.StatusBadRequest, "mounts.persistent and mounts.network are mutually exclusive")
	}
	if err := checkPorts(req.Ports); err != nil {
		return createPlan{}, err
	}
	if _, err := parseSimEnv(req.Env); err != nil {
		return createPlan{}, err
	}
	if req.Gpu != nil {
		return planGPU(cat, req, plan)
	}
	return planCPU(cat, req, plan)
}

func planGPU(cat *catalog, req *runpodapi.CreatePodRequest, plan createPlan) (createPlan, error) {
	g, ok := cat.gpu(req.Gpu.ID)
	if !ok || g.Memory == 0 { // the live API's answer (API-NOTES), also for the "unknown" placeholder
		return createPlan{}, problemf(http.StatusUnprocessableEntity, "Unknown GPU type: %s", req.Gpu.ID)
	}
	if !g.InCloud(plan.cloud) {
		return createPlan{}, problemf(http.StatusBadRequest, "GPU type %q is not offered in the %s cloud", g.ID, plan.cloud)
	}
	plan.resource, plan.units = g.ID, max(req.Gpu.Count, 1)
	if limit := g.MaxCount.For(plan.cloud); plan.units > limit {
		return createPlan{}, problemf(http.StatusBadRequest, "gpu.count %d exceeds the maximum of %d for %q in the %s cloud", plan.units, limit, g.ID, plan.cloud)
	}
	if len(req.Gpu.AllowedCudaVersions) > 0 && req.Gpu.MinCudaVersion != "" {
		return createPlan{}, problemf(http.StatusBadRequest, "gpu.allowedCudaVersions and gpu.minCudaVersion are mutually exclusive")
	}
	plan.allowedCuda, plan.minCuda = req.Gpu.AllowedCudaVersions, req.Gpu.MinCudaVersion
	plan.minVcpuPerGpu, plan.minRamPerGpu = req.Gpu.MinVcpuCountPerGpu, req.Gpu.MinRamPerGpu
	plan.unitPrice = g.Price.For(plan.cloud)
	return plan, nil
}

func planCPU(cat *catalog, req *runpodapi.CreatePodRequest, plan createPlan) (createPlan, error) {
	f := cat.cpu
	if req.Cpu.ID != f.id {
		return createPlan{}, problemf(http.StatusBadRequest, "unknown CPU flavor %q", req.Cpu.ID)
	}
	if plan.cloud != runpodapi.CloudSecure {
		return createPlan{}, problemf(http.StatusBadRequest, "CPU pods are only offered in the SECURE cloud")
	}
	n := req.Cpu.VcpuCount
	if n < f.minVcpu || n > f.maxVcpu || bits.OnesCount(uint(n)) != 1 {
		return createPlan{}, problemf(http.StatusBadRequest, "cpu.vcpuCount %d must be a power of two between %d and %d for %s", n, f.minVcpu, f.maxVcpu, f.id)
	}
	if req.Mounts != nil && req.Mounts.Persistent != nil {
		return createPlan{}, problemf(http.StatusBadRequest, "mounts.persistent is not allowed on CPU pods; use a network volume")
	}
	if req.GlobalNetworking {
		return createPlan{}, problemf(http.StatusBadRequest, "globalNetworking requires an NVIDIA GPU pod")
	}
	plan.resource, plan.units, plan.unitPrice = f.id, n, f.securePerVcpu
	return plan, nil
}

// checkPorts requires "port/tcp" or "port/http" with 1 ≤ port ≤ 65535, each once.
func checkPorts(ports []string) error {
	seen := map[int]bool{}
	for _, spec := range ports {
		port, _, ok := parsePort(spec)
		if !ok {
			return problemf(http.StatusBadRequest, "invalid port %q: want <port>/tcp or <port>/http", spec)
		}
		if seen[port] {
			return problemf(http.StatusBadRequest, "port %d is listed twice", port)
		}
		seen[port] = true
	}
	return nil
}
