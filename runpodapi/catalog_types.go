package runpodapi

// The catalog: GPU and CPU types with their prices and counts per cloud, and data centers.

// GpuPrice is the per-GPU list price in USD/h (spec: GpuType.price).
type GpuPrice struct {
	Secure     float64  `json:"secure"`
	Community  float64  `json:"community"`
	Serverless *float64 `json:"serverless,omitempty"`
}

// For returns the per-GPU price in the given cloud tier.
func (p GpuPrice) For(c Cloud) float64 {
	if c == CloudCommunity {
		return p.Community
	}
	return p.Secure
}

// GpuMaxCount is the largest GPU count per pod, per cloud (spec: GpuType.maxCount).
type GpuMaxCount struct {
	Secure    int `json:"secure"`
	Community int `json:"community"`
}

// For returns the ceiling in the given cloud tier.
func (m GpuMaxCount) For(c Cloud) int {
	if c == CloudCommunity {
		return m.Community
	}
	return m.Secure
}

// DataCenterAvailability is stock in one data center (spec: DataCenterAvailability).
type DataCenterAvailability struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Availability AvailabilityLevel `json:"availability"`
}

// CudaVersionAvailability is a CUDA version offered for a GPU type (spec: CudaVersionAvailability).
type CudaVersionAvailability struct {
	Version   string `json:"version"`
	Available bool   `json:"available"`
}

// GpuType is one catalog GPU type (spec: GpuType).
type GpuType struct {
	ID           string                    `json:"id"`
	Name         string                    `json:"name"`
	Pool         *string                   `json:"pool"`
	Manufacturer string                    `json:"manufacturer"`
	Memory       int                       `json:"memory"`
	Secure       bool                      `json:"secure"`
	Community    bool                      `json:"community"`
	Price        GpuPrice                  `json:"price"`
	MaxCount     GpuMaxCount               `json:"maxCount"`
	Availability AvailabilityLevel         `json:"availability,omitempty"`
	DataCenters  []DataCenterAvailability  `json:"dataCenters,omitempty"`
	CudaVersions []CudaVersionAvailability `json:"cudaVersions,omitempty"`
}

// InCloud reports whether the GPU type is offered in the cloud tier.
func (g *GpuType) InCloud(c Cloud) bool {
	if c == CloudCommunity {
		return g.Community
	}
	return g.Secure
}

// ListGpuTypesResponse is the body of GET /v2/catalog/gpus (spec: ListGpuTypesResponse).
type ListGpuTypesResponse struct {
	Gpus []GpuType `json:"gpus"`
}

// CpuPrice is the per-vCPU list price in USD/h (spec: CpuType.price).
type CpuPrice struct {
	SecurePerVcpu     float64 `json:"securePerVcpu"`
	ServerlessPerVcpu float64 `json:"serverlessPerVcpu"`
}

// VcpuRange is how many vCPUs a pod of a flavor may have (spec: CpuType.vcpu).
type VcpuRange struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

// CpuType is one catalog CPU flavor (spec: CpuType).
type CpuType struct {
	ID           string                   `json:"id"`
	Name         string                   `json:"name"`
	Group        string                   `json:"group"`
	Vcpu         VcpuRange                `json:"vcpu"`
	RamGbPerVcpu float64                  `json:"ramGbPerVcpu"`
	Price        CpuPrice                 `json:"price"`
	Availability AvailabilityLevel        `json:"availability,omitempty"`
	DataCenters  []DataCenterAvailability `json:"dataCenters,omitempty"`
}

// ListCpuTypesResponse is the body of GET /v2/catalog/cpus (spec: ListCpuTypesResponse).
type ListCpuTypesResponse struct {
	Cpus []CpuType `json:"cpus"`
}

// CatalogResourceAvailability is stock of one resource (spec: CatalogResourceAvailability).
type CatalogResourceAvailability struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Availability AvailabilityLevel `json:"availability"`
}

// DataCenter is one catalog data center (spec: DataCenter).
type DataCenter struct {
	ID                 string                        `json:"id"`
	Name               string                        `json:"name"`
	Region             string                        `json:"region"`
	GlobalNetwork      bool                          `json:"globalNetwork"`
	NetworkVolumeTypes []string                      `json:"networkVolumeTypes"`
	Compliance         []string                      `json:"compliance"`
	GpuAvailability    []CatalogResourceAvailability `json:"gpuAvailability,omitempty"`
	CpuAvailability    []CatalogResourceAvailability `json:"cpuAvailability,omitempty"`
}

// ListDataCentersResponse is the body of GET /v2/catalog/datacenters (spec: ListDataCentersResponse).
type ListDataCentersResponse struct {
	DataCenters []DataCenter `json:"dataCenters"`
}
