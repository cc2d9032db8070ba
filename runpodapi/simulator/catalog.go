package simulator

import "github.com/runpod-kubelet/runpod-kubelet/runpodapi"

// CPUFlavorID is the one CPU flavor the simulator sells. Its capacity is
// counted in vCPUs: SetCapacity(CPUFlavorID, dc, n) sets n free vCPUs.
const CPUFlavorID = "cpu3c"

// cpuFlavor is the built-in CPU flavor (spec: CpuType).
type cpuFlavor struct {
	id, name, group  string
	minVcpu, maxVcpu int
	ramGbPerVcpu     int
	securePerVcpu    float64
}

// dataCenter is a catalog data center plus what the simulator needs to place pods.
type dataCenter struct {
	runpodapi.DataCenter
	country     string // ISO 3166-1 alpha-2, for the countryCodes filter
	cudaVersion string // CUDA version the hosts in this DC report
}

// offer is the initial free capacity of one resource in one data center.
type offer struct {
	resourceID, dataCenterID string
	free                     int // GPUs, or vCPUs for the CPU flavor
}

// catalog is the immutable built-in market: GPU types, data centers, the CPU
// flavor and the initial stock. Built fresh per Simulator.
type catalog struct {
	gpus   []runpodapi.GpuType
	dcs    []dataCenter
	cpu    cpuFlavor
	offers []offer
}

func (c *catalog) gpu(id string) (runpodapi.GpuType, bool) {
	for _, g := range c.gpus {
		if g.ID == id {
			return g, true
		}
	}
	return runpodapi.GpuType{}, false
}

func (c *catalog) dc(id string) (dataCenter, bool) {
	for _, d := range c.dcs {
		if d.ID == id {
			return d, true
		}
	}
	return dataCenter{}, false
}

// resourceName is the human name of a GPU type or the CPU flavor.
func (c *catalog) resourceName(id string) string {
	if g, ok := c.gpu(id); ok {
		return g.Name
	}
	if id == c.cpu.id {
		return c.cpu.name
	}
	return id
}

func ptr[T any](v T) *T { return &v }

func gpuType(id, name string, pool *string, memory int, secure, community float64, maxSecure, maxCommunity int) runpodapi.GpuType {
	return runpodapi.GpuType{
		ID: id, Name: name, Pool: pool, Manufacturer: "NVIDIA", Memory: memory,
		Secure: secure > 0, Community: community > 0,
		Price:    runpodapi.GpuPrice{Secure: secure, Community: community},
		MaxCount: runpodapi.GpuMaxCount{Secure: maxSecure, Community: maxCommunity},
	}
}

// quotesCommunity gives a secure-only type the placeholder community price
// the live catalog quotes for a tier that does not offer the card.
func quotesCommunity(g runpodapi.GpuType, price float64) runpodapi.GpuType {
	g.Price.Community = price
	return g
}

func dataCenterEntry(id, name, region, country, cuda string, global bool, volumes, compliance []string) dataCenter {
	return dataCenter{
		DataCenter: runpodapi.DataCenter{
			ID: id, Name: name, Region: region, GlobalNetwork: global,
			NetworkVolumeTypes: volumes, Compliance: compliance,
		},
		country: country, cudaVersion: cuda,
	}
}

// builtinCatalog is the simulated market. Prices are USD/h per GPU (secure,
// community; 0 = not offered in that cloud), with realistic 2026 list prices.
func builtinCatalog() catalog {
	const (
		rtx3090 = "NVIDIA GeForce RTX 3090"
		rtx4090 = "NVIDIA GeForce RTX 4090"
		a5000   = "NVIDIA RTX A5000"
		a6000   = "NVIDIA RTX A6000"
		l40s    = "NVIDIA L40S"
		a100p   = "NVIDIA A100 80GB PCIe"
		a100s   = "NVIDIA A100-SXM4-80GB"
		h100p   = "NVIDIA H100 PCIe"
		h100s   = "NVIDIA H100 80GB HBM3"
	)
	both := []string{"STANDARD", "HIGH_PERFORMANCE"}
	return catalog{
		gpus: []runpodapi.GpuType{
			gpuType(rtx3090, "RTX 3090", ptr("AMPERE_24"), 24, 0.43, 0.22, 8, 4),
			gpuType(rtx4090, "RTX 4090", ptr("ADA_24"), 24, 0.69, 0.34, 8, 4),
			gpuType(a5000, "RTX A5000", ptr("AMPERE_24"), 24, 0.27, 0.16, 8, 4),
			gpuType(a6000, "RTX A6000", ptr("AMPERE_48"), 48, 0.49, 0.33, 8, 4),
			gpuType(l40s, "L40S", ptr("ADA_48_PRO"), 48, 0.86, 0.79, 8, 4),
			gpuType(a100p, "A100 PCIe", ptr("AMPERE_80"), 80, 1.64, 1.19, 8, 4),
			quotesCommunity(gpuType(a100s, "A100 SXM", nil, 80, 1.74, 0, 8, 0), 0.50),
			gpuType(h100p, "H100 PCIe", ptr("HOPPER_80"), 80, 2.39, 1.99, 8, 2),
			gpuType(h100s, "H100 SXM", ptr("HOPPER_80"), 80, 2.99, 2.69, 8, 8),
			// The live catalog's placeholders (API-NOTES): a tier that does not
			// offer a card still quotes a price, and a type "unknown" of 0 GB.
			{ID: "unknown", Name: "unknown", Manufacturer: "UNKNOWN", Price: runpodapi.GpuPrice{Secure: 0, Community: 0}},
		},
		dcs: []dataCenter{
			dataCenterEntry("US-TX-3", "US Texas 3", "NORTH_AMERICA", "US", "12.8", true, both, []string{"SOC_2_TYPE_2", "ISO_IEC_27001"}),
			dataCenterEntry("US-KS-2", "US Kansas 2", "NORTH_AMERICA", "US", "12.8", true, []string{"STANDARD"}, []string{"SOC_2_TYPE_2", "ISO_IEC_27001"}),
			dataCenterEntry("EU-RO-1", "EU Romania 1", "EUROPE", "RO", "12.6", true, both, []string{"GDPR", "ISO_IEC_27001", "SOC_2_TYPE_2"}),
			dataCenterEntry("CA-MTL-1", "CA Montreal 1", "NORTH_AMERICA", "CA", "12.4", false, []string{"STANDARD"}, []string{"SOC_2_TYPE_2", "RENEWABLE"}),
			dataCenterEntry("EU-SE-1", "EU Sweden 1", "EUROPE", "SE", "12.8", false, []string{}, []string{"GDPR", "ISO_IEC_27001", "RENEWABLE"}),
		},
		cpu: cpuFlavor{id: CPUFlavorID, name: "Compute-Optimized", group: "Gen 3", minVcpu: 2, maxVcpu: 32, ramGbPerVcpu: 2, securePerVcpu: 0.03},
		offers: []offer{
			{rtx3090, "US-TX-3", 8}, {rtx3090, "CA-MTL-1", 16}, {rtx3090, "EU-SE-1", 4},
			{rtx4090, "US-TX-3", 24}, {rtx4090, "US-KS-2", 16}, {rtx4090, "EU-RO-1", 8}, {rtx4090, "CA-MTL-1", 4}, {rtx4090, "EU-SE-1", 12},
			{a5000, "US-KS-2", 12}, {a5000, "CA-MTL-1", 8}, {a5000, "EU-SE-1", 6},
			{a6000, "US-TX-3", 8}, {a6000, "EU-RO-1", 4}, {a6000, "CA-MTL-1", 2},
			{l40s, "US-TX-3", 16}, {l40s, "US-KS-2", 8}, {l40s, "EU-RO-1", 8},
			{a100p, "US-KS-2", 8}, {a100p, "EU-RO-1", 4}, {a100p, "CA-MTL-1", 2},
			{a100s, "US-TX-3", 16}, {a100s, "EU-RO-1", 8},
			{h100p, "US-KS-2", 4}, {h100p, "EU-SE-1", 2},
			{h100s, "US-TX-3", 32}, {h100s, "US-KS-2", 8}, {h100s, "EU-RO-1", 16},
			{CPUFlavorID, "US-TX-3", 256}, {CPUFlavorID, "US-KS-2", 128}, {CPUFlavorID, "EU-RO-1", 192},
			{CPUFlavorID, "CA-MTL-1", 64}, {CPUFlavorID, "EU-SE-1", 96},
		},
	}
}

// BuiltinTemplateID is the one pod template the simulator knows; any other
// templateId answers 404.
const BuiltinTemplateID = "runpod-torch-v240"

// podTemplate is the part of a template a pod create resolves.
type podTemplate struct {
	image string
	disk  int
	ports []string
	env   map[string]string
	mount *runpodapi.PersistentMount
}

func builtinTemplate(id string) (podTemplate, bool) {
	if id != BuiltinTemplateID {
		return podTemplate{}, false
	}
	return podTemplate{
		image: "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
		disk:  50,
		ports: []string{"8888/http", "22/tcp"},
		env:   map[string]string{"JUPYTER_PORT": "8888"},
		mount: &runpodapi.PersistentMount{Size: 20, Path: "/workspace"},
	}, true
}
