package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// AnnotationGPUTypeIDs pins the GPU types to try, in order, by catalog id or
// by the names people type ("H100", "RTX 4090"; see gpunames.go); every
// other filter (cloud, VRAM, count, price cap, stock, data centers) still applies.
const AnnotationGPUTypeIDs = "runpod.io/gpu-type-ids"

// planGPU fills the plan with one candidate per GPU option.
func planGPU(plan *PlacementPlan, base runpodapi.CreatePodRequest, node NodeSettings, d *demand, catalog []runpodapi.GpuType) error {
	a := &d.ann
	gd := gpuDemand{
		Count:       d.gpus,
		Cloud:       d.cloud,
		MinMemoryGB: a.RequiredGPUMemoryGB,
		MaxPrice:    node.MaxGPUPrice,
		CapSource:   "node MAX_GPU_PRICE",
		Pinned:      a.GPUTypeIDs,
		Allowed:     node.AllowedGPUTypes,
		DataCenters: d.dataCenters,
	}
	host := hostPerGPU(d.container, d.gpus)
	if a.MaxPrice > 0 && (gd.MaxPrice == 0 || a.MaxPrice < gd.MaxPrice) {
		gd.MaxPrice, gd.CapSource = a.MaxPrice, a.field(AnnotationMaxPrice)
	}
	opts, explanation, err := chooseGPUs(catalog, gd)
	if err != nil {
		return err
	}
	for _, o := range opts {
		req := cloneRequest(base)
		req.Gpu = &runpodapi.CreateGpuConfig{
			ID:                  o.GPU.ID,
			Count:               d.gpus,
			AllowedCudaVersions: slices.Clone(a.AllowedCUDAVersions),
			MinCudaVersion:      a.MinCUDAVersion,
			MinVcpuCountPerGpu:  host.vcpus,
			MinRamPerGpu:        host.ramGB,
		}
		if o.DataCenter != "" {
			req.DataCenterIDs = []string{o.DataCenter}
		}
		plan.Candidates = append(plan.Candidates, Candidate{
			Request:      req,
			GpuTypeID:    o.GPU.ID,
			DataCenterID: o.DataCenter,
			HourlyCost:   o.PerGPUPrice * float64(d.gpus),
			Availability: o.Availability,
		})
	}
	plan.Explanation = explanation + host.explain() + plan.notes()
	return nil
}

func parseGPUTypeIDs(v string, a *Annotations) string {
	ids := splitList(v)
	if len(ids) == 0 {
		return fmt.Sprintf("%q lists no GPU type ids", v)
	}
	for _, id := range ids {
		if len(id) > 256 || strings.ContainsFunc(id, func(r rune) bool { return !unicode.IsPrint(r) }) {
			return fmt.Sprintf("%q is not a GPU type id", id)
		}
	}
	a.GPUTypeIDs = ids
	return ""
}

// gpuDemand is everything the GPU choice depends on besides the catalog.
type gpuDemand struct {
	Count       int
	Cloud       runpodapi.Cloud
	MinMemoryGB int      // 0 = no floor
	MaxPrice    float64  // per GPU $/h; 0 = no cap
	CapSource   string   // who set MaxPrice, for messages
	Pinned      []string // nil = any type
	Allowed     []string // the node's ALLOWED_GPU_TYPES; nil = any type
	DataCenters []string // nil = let RunPod choose
}

// gpuOption is one (GPU type, data center) to try; DataCenter "" lets RunPod choose.
type gpuOption struct {
	GPU          *runpodapi.GpuType
	DataCenter   string
	Availability runpodapi.AvailabilityLevel
	PerGPUPrice  float64 // $/h in the demand's cloud
	pinRank      int
	dcRank       int
}

// priceEpsilon absorbs float noise when comparing a price with the cap.
const priceEpsilon = 1e-9

// chooseGPUs filters the catalog in a fixed order (pinned ids, cloud, VRAM,
// count, price cap, stock, data centers) and orders what is left: by price,
// then stock (HIGH > MEDIUM > LOW), then GPU type id and data-center order; a
// pinned list keeps its own order instead. It returns the options and a one-line
// explanation, or an ErrNoCandidates *Error naming the filter that removed the last type.
func chooseGPUs(catalog []runpodapi.GpuType, d gpuDemand) ([]gpuOption, string, error) {
	types, err := pinnedTypes(catalog, d.Pinned)
	if err != nil {
		return nil, "", err
	}
	if types, err = allowedTypes(catalog, types, d.Allowed); err != nil {
		return nil, "", err
	}
	w := winnow{demand: d, types: types}
	if d.Pinned != nil {
		w.pinned = types
	}
	steps := []func() error{w.byCloud, w.byMemory, w.byCount, w.byPrice, w.byStock}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, "", err
		}
	}
	opts, err := w.options()
	if err != nil {
		return nil, "", err
	}
	sortOptions(opts, d.Pinned != nil)
	return opts, w.explain(opts), nil
}

// pinnedTypes returns the catalog types to consider: the real types of the
// catalog, or the pinned names resolved against it, in pinned order. An
// unknown or ambiguous name is refused (ErrRefused): no create is tried.
func pinnedTypes(catalog []runpodapi.GpuType, pinned []string) ([]*runpodapi.GpuType, error) {
	var types []*runpodapi.GpuType
	for i := range catalog {
		if usableGPU(&catalog[i]) {
			types = append(types, &catalog[i])
		}
	}
	if len(types) == 0 {
		return nil, noCandidates("GPU choice", "the RunPod GPU catalog is empty")
	}
	if pinned == nil {
		return types, nil
	}
	return resolveGPUNames(catalog, pinned, "annotation "+AnnotationGPUTypeIDs)
}

// allowedTypes keeps the types the node's ALLOWED_GPU_TYPES offers; the
// setting resolves like the annotation, and a name it cannot resolve refuses
// every GPU pod with the setting named, so the operator sees it at once.
func allowedTypes(catalog []runpodapi.GpuType, types []*runpodapi.GpuType, allowed []string) ([]*runpodapi.GpuType, error) {
	if len(allowed) == 0 {
		return types, nil
	}
	offered, err := resolveGPUNames(catalog, allowed, "node setting ALLOWED_GPU_TYPES")
	if err != nil {
		return nil, err
	}
	kept := slices.DeleteFunc(slices.Clone(types), func(g *runpodapi.GpuType) bool { return !slices.Contains(offered, g) })
	if len(kept) == 0 {
		return nil, refused("GPU choice", fmt.Sprintf("%s: this node offers only %s (ALLOWED_GPU_TYPES)",
			displayList(types), displayList(offered)))
	}
	return kept, nil
}

func sortOptions(opts []gpuOption, pinned bool) {
	slices.SortStableFunc(opts, func(a, b gpuOption) int {
		if pinned {
			if c := cmp.Compare(a.pinRank, b.pinRank); c != 0 {
				return c
			}
		} else if c := cmp.Compare(a.PerGPUPrice, b.PerGPUPrice); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Availability.Rank(), a.Availability.Rank()); c != 0 {
			return c
		}
		if c := cmp.Compare(a.GPU.ID, b.GPU.ID); c != 0 {
			return c
		}
		return cmp.Compare(a.dcRank, b.dcRank)
	})
}

// bestStock is the highest stock level a type reports, overall or in any data center.
func bestStock(g *runpodapi.GpuType) runpodapi.AvailabilityLevel {
	best := g.Availability
	for _, dc := range g.DataCenters {
		if dc.Availability.Rank() > best.Rank() {
			best = dc.Availability
		}
	}
	if best.Rank() == 0 {
		return runpodapi.AvailabilityNone
	}
	return best
}

// money formats a $/h figure with at least two decimals: $0.5 → "$0.50/h".
func money(v float64) string {
	s := fmt.Sprintf("%.4f", v)
	s = strings.TrimRight(s, "0")
	if i := strings.IndexByte(s, '.'); len(s)-i-1 < 2 {
		s += strings.Repeat("0", 2-(len(s)-i-1))
	}
	return "$" + s + "/h"
}
