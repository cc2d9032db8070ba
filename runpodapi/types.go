package runpodapi

import "time"

// PodStatus is the lifecycle status of a RunPod pod (spec: PodStatus).
type PodStatus string

// Pod statuses, in lifecycle order.
const (
	StatusProvisioning PodStatus = "PROVISIONING"
	StatusStarting     PodStatus = "STARTING"
	StatusRunning      PodStatus = "RUNNING"
	StatusExited       PodStatus = "EXITED"
	StatusError        PodStatus = "ERROR"
	StatusTerminated   PodStatus = "TERMINATED"
)

// PodAction is a state transition (spec: PodAction).
type PodAction string

// Pod actions accepted by POST /v2/pods/{id}/action.
const (
	ActionStart     PodAction = "start"
	ActionStop      PodAction = "stop"
	ActionRestart   PodAction = "restart"
	ActionTerminate PodAction = "terminate"
)

// Cloud is the cloud tier (spec: Cloud).
type Cloud string

// Cloud tiers.
const (
	CloudSecure    Cloud = "SECURE"
	CloudCommunity Cloud = "COMMUNITY"
)

// AvailabilityLevel is catalog stock (spec: AvailabilityLevel).
type AvailabilityLevel string

// Availability levels, lowest first.
const (
	AvailabilityNone   AvailabilityLevel = "NONE"
	AvailabilityLow    AvailabilityLevel = "LOW"
	AvailabilityMedium AvailabilityLevel = "MEDIUM"
	AvailabilityHigh   AvailabilityLevel = "HIGH"
)

// Rank orders availability levels: NONE 0 < LOW 1 < MEDIUM 2 < HIGH 3.
func (a AvailabilityLevel) Rank() int {
	switch a {
	case AvailabilityLow:
		return 1
	case AvailabilityMedium:
		return 2
	case AvailabilityHigh:
		return 3
	}
	return 0
}

// GpuConfig is the GPU block of a pod (spec: GpuConfig).
type GpuConfig struct {
	ID    string `json:"id"`
	Count int    `json:"count,omitempty"`
	// Allocated host totals (live API, API-NOTES): vCPUs and GB of RAM.
	VcpuCount int `json:"vcpuCount,omitempty"`
	Memory    int `json:"memory,omitempty"`
}

// CreateGpuConfig is the GPU block of a create request (spec: CreateGpuConfig).
type CreateGpuConfig struct {
	ID                  string   `json:"id"`
	Count               int      `json:"count,omitempty"`
	AllowedCudaVersions []string `json:"allowedCudaVersions,omitempty"`
	MinCudaVersion      string   `json:"minCudaVersion,omitempty"`
	// Machine filters (live API, API-NOTES), integers >= 1 when set: host
	// vCPUs and GB of host RAM per GPU.
	MinVcpuCountPerGpu int `json:"minVcpuCountPerGpu,omitempty"`
	MinRamPerGpu       int `json:"minRamPerGpu,omitempty"`
}

// CreateCpuConfig is the CPU block of a create request (spec: CreateCpuConfig).
type CreateCpuConfig struct {
	ID        string `json:"id"`
	VcpuCount int    `json:"vcpuCount"`
}

// CpuConfig is the CPU block of a pod (spec: CpuConfig).
type CpuConfig struct {
	ID        string `json:"id"`
	VcpuCount int    `json:"vcpuCount"`
	Memory    int    `json:"memory"`
}

// Mounts are the storage mounts of a pod (spec: Mounts).
type Mounts struct {
	Persistent *PersistentMount `json:"persistent,omitempty"`
	Network    []NetworkMount   `json:"network,omitempty"`
}

// PersistentMount is host-local storage (spec: PersistentMount).
type PersistentMount struct {
	Size int    `json:"size"`
	Path string `json:"path"`
}

// NetworkMount references a network volume (spec: NetworkMount).
type NetworkMount struct {
	VolumeID string `json:"volumeId"`
	Path     string `json:"path"`
}

// PodSshEndpoint is one way to reach a pod over SSH (spec: PodSshEndpoint).
type PodSshEndpoint struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Command  string `json:"command"`
}

// PodSsh holds the SSH connection details (spec: PodSsh).
type PodSsh struct {
	Proxy  *PodSshEndpoint `json:"proxy"`
	Direct *PodSshEndpoint `json:"direct"`
}

// PodGlobalNetworking is the global-networking state (spec: PodGlobalNetworking).
type PodGlobalNetworking struct {
	Enabled     bool   `json:"enabled"`
	IP          string `json:"ip,omitempty"`
	InternalDNS string `json:"internalDns,omitempty"`
}

// PodCluster is cluster membership (spec: PodCluster).
type PodCluster struct {
	ID   string `json:"id"`
	Rank *int   `json:"rank"`
	Role string `json:"role,omitempty"`
	IP   string `json:"ip,omitempty"`
}

// Utilization is a 0–100 percentage (spec: Utilization).
type Utilization struct {
	Util int `json:"util"`
}

// PodGpuUtilization is per-GPU utilization (spec: PodGpuUtilization).
type PodGpuUtilization struct {
	Util       int `json:"util"`
	MemoryUtil int `json:"memoryUtil"`
}

// PodRuntimePort is a live port mapping (spec: PodRuntimePort).
type PodRuntimePort struct {
	Private int     `json:"private"`
	Public  *int    `json:"public"`
	Type    string  `json:"type"`
	IP      *string `json:"ip"`
}

// PodRuntime is live utilization of a RUNNING pod (spec: PodRuntime).
type PodRuntime struct {
	Uptime int                 `json:"uptime"`
	Gpus   []PodGpuUtilization `json:"gpus,omitempty"`
	Cpu    *Utilization        `json:"cpu,omitempty"`
	Memory *Utilization        `json:"memory,omitempty"`
	Ports  []PodRuntimePort    `json:"ports,omitempty"`
}

// Pod is a RunPod pod as GET /v2/pods returns it (spec: Pod).
type Pod struct {
	ID               string              `json:"id"`
	Name             string              `json:"name"`
	Status           PodStatus           `json:"status"`
	Actions          []PodAction         `json:"actions"`
	Image            string              `json:"image"`
	Args             string              `json:"args"`
	Entrypoint       []string            `json:"entrypoint,omitempty"` // exec form (API-NOTES)
	Cmd              []string            `json:"cmd,omitempty"`
	Disk             int                 `json:"disk"`
	Mounts           Mounts              `json:"mounts"`
	Ports            []string            `json:"ports"`
	Env              map[string]string   `json:"env"`
	Registry         *string             `json:"registry"`
	Gpu              *GpuConfig          `json:"gpu,omitempty"`
	Cpu              *CpuConfig          `json:"cpu,omitempty"`
	Cloud            Cloud               `json:"cloud"`
	DataCenterID     *string             `json:"dataCenterId"`
	CudaVersion      *string             `json:"cudaVersion"`
	Ssh              PodSsh              `json:"ssh"`
	Cluster          *PodCluster         `json:"cluster,omitempty"`
	Template         *string             `json:"template"`
	Cost             float64             `json:"cost"`
	Locked           bool                `json:"locked"`
	GlobalNetworking PodGlobalNetworking `json:"globalNetworking"`
	Runtime          *PodRuntime         `json:"runtime"`
	CreatedAt        time.Time           `json:"createdAt"`
	StartedAt        *time.Time          `json:"startedAt"`
}

// HasAction reports whether a is valid for the pod's current status.
func (p *Pod) HasAction(a PodAction) bool {
	for _, x := range p.Actions {
		if x == a {
			return true
		}
	}
	return false
}

// CreatePodRequest is the body of POST /v2/pods (spec: CreatePodRequest).
// Exactly one of Gpu or Cpu must be set; Image is required unless TemplateID is.
type CreatePodRequest struct {
	Name  string `json:"name"`
	Image string `json:"image,omitempty"`
	Args  string `json:"args,omitempty"`
	// Entrypoint and Cmd are the exec form the live API gained after the
	// August spec (API-NOTES): Entrypoint overrides the image's ENTRYPOINT,
	// Cmd is the argument list handed to it (Kubernetes' command and args).
	Entrypoint       []string          `json:"entrypoint,omitempty"`
	Cmd              []string          `json:"cmd,omitempty"`
	Disk             int               `json:"disk,omitempty"`
	Env              map[string]string `json:"env,omitempty"`
	Ports            []string          `json:"ports,omitempty"`
	Registry         string            `json:"registry,omitempty"`
	Cloud            Cloud             `json:"cloud,omitempty"`
	Gpu              *CreateGpuConfig  `json:"gpu,omitempty"`
	Cpu              *CreateCpuConfig  `json:"cpu,omitempty"`
	DataCenterIDs    []string          `json:"dataCenterIds,omitempty"`
	GlobalNetworking bool              `json:"globalNetworking,omitempty"`
	Mounts           *Mounts           `json:"mounts,omitempty"`
	StartJupyter     bool              `json:"startJupyter,omitempty"`
	StartSsh         bool              `json:"startSsh,omitempty"`
	TemplateID       string            `json:"templateId,omitempty"`
}

// UpdatePodRequest is the body of PATCH /v2/pods/{id} (spec: UpdatePodRequest).
// Only non-nil, non-empty fields are sent, so it cannot express the spec's
// explicit clears (`ports: []`, `registry: null`); runpod-kubelet needs none.
type UpdatePodRequest struct {
	GlobalNetworking *bool             `json:"globalNetworking,omitempty"`
	TemplateID       *string           `json:"templateId,omitempty"`
	Name             *string           `json:"name,omitempty"`
	Image            *string           `json:"image,omitempty"`
	Args             *string           `json:"args,omitempty"`
	Entrypoint       []string          `json:"entrypoint,omitempty"` // exec form (API-NOTES); nil leaves it
	Cmd              []string          `json:"cmd,omitempty"`
	Disk             *int              `json:"disk,omitempty"`
	Env              map[string]string `json:"env,omitempty"`
	Ports            []string          `json:"ports,omitempty"`
	Registry         *string           `json:"registry,omitempty"`
	Locked           *bool             `json:"locked,omitempty"`
	Mounts           *Mounts           `json:"mounts,omitempty"`
}

// PodActionRequest is the body of POST /v2/pods/{id}/action (spec: PodActionRequest).
type PodActionRequest struct {
	Action PodAction `json:"action"`
}

// ListPodsResponse is one page of GET /v2/pods (spec: ListPodsResponse, plus
// the live API's pagination, see Pagination).
type ListPodsResponse struct {
	Pods       []Pod       `json:"pods"`
	Pagination *Pagination `json:"pagination,omitempty"`
}

// Pagination is what the live API sends beside a page of pods (recorded
// 2026-10-08; not in the August spec): the next page is asked for with
// ListCursorParam=NextCursor until HasNextPage is false.
type Pagination struct {
	HasNextPage bool    `json:"hasNextPage"`
	NextCursor  *string `json:"nextCursor"`
}

// ErrorResponse is an RFC 9457 problem document (spec: ErrorResponse).
type ErrorResponse struct {
	Title  string   `json:"title"`
	Status int      `json:"status"`
	Detail string   `json:"detail"`
	Errors []string `json:"errors,omitempty"`
}

// LogSource selects a log stream (spec: LogSource).
type LogSource string

// Log sources.
const (
	LogSourceContainer LogSource = "container"
	LogSourceSystem    LogSource = "system"
)

// LogLine is the data payload of one SSE log event, with its event id.
type LogLine struct {
	ID     string    `json:"-"`
	TS     time.Time `json:"ts"`
	Source LogSource `json:"source"`
	Line   string    `json:"line"`
}
