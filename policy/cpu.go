package policy

import (
	"fmt"
	"strings"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// planCPU fills the plan of a pod without GPUs: one candidate per allowed data
// center (or one letting RunPod choose), priced from the CPU catalog.
func planCPU(plan *PlacementPlan, base runpodapi.CreatePodRequest, node NodeSettings, d *demand, catalog []runpodapi.CpuType) error {
	if err := checkCPUDemand(d); err != nil {
		return err
	}
	flavor := node.CPUFlavorID
	if flavor == "" {
		flavor = DefaultCPUFlavorID
	}
	flavorType, ok := cpuFlavor(catalog, flavor)
	if !ok {
		return noCandidates("CPU flavor "+flavor, fmt.Sprintf("is not in RunPod's CPU catalog (%d flavors listed); it may be back later", len(catalog)))
	}
	vcpus := max(vcpuCount(d.container), flavorType.Vcpu.Min)
	if vcpus > flavorType.Vcpu.Max {
		return refused(fmt.Sprintf("container %q", d.container.Name), fmt.Sprintf(
			"requests %d vCPUs (rounded up to a power of two); CPU flavor %s offers %d to %d per pod",
			vcpus, flavor, flavorType.Vcpu.Min, flavorType.Vcpu.Max))
	}
	// CPU pods run in Secure Cloud; the catalog has no community CPU price.
	cost := flavorType.Price.SecurePerVcpu * float64(vcpus)
	dcs := d.dataCenters
	if len(dcs) == 0 {
		dcs = []string{""}
	}
	for _, dc := range dcs {
		req := cloneRequest(base)
		req.Cpu = &runpodapi.CreateCpuConfig{ID: flavor, VcpuCount: vcpus}
		if dc != "" {
			req.DataCenterIDs = []string{dc}
		}
		plan.Candidates = append(plan.Candidates, Candidate{Request: req, DataCenterID: dc, HourlyCost: cost})
	}
	where := "RunPod chooses the data center"
	if dcs[0] != "" {
		where = "in " + strings.Join(dcs, ", ")
	}
	plan.Explanation = fmt.Sprintf("CPU pod: %s with %d vCPUs at $%.2f/h, %s", flavor, vcpus, cost, where) + plan.notes()
	return nil
}

// checkCPUDemand refuses GPU-only annotations on a pod without GPUs. It needs
// no catalog, so CatalogQueryFor runs it before any RunPod call.
func checkCPUDemand(d *demand) error {
	a := &d.ann
	for _, key := range []string{AnnotationRequiredGPUMemory, AnnotationGPUTypeIDs,
		AnnotationAllowedCUDAVersions, AnnotationMinCUDAVersion} {
		if a.isSet(key) {
			return refused(a.field(key), fmt.Sprintf(
				"is set but container %q requests no %s; add an %s limit or remove the annotation",
				d.container.Name, ResourceGPU, ResourceGPU))
		}
	}
	return nil
}

// cpuFlavor finds a flavor in GET /v2/catalog/cpus.
func cpuFlavor(catalog []runpodapi.CpuType, id string) (runpodapi.CpuType, bool) {
	for _, c := range catalog {
		if c.ID == id {
			return c, true
		}
	}
	return runpodapi.CpuType{}, false
}
