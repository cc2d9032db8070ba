package policy

import (
	"errors"
	"fmt"
	"math"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// DefaultCPUFlavorID is the CPU flavor of CPU pods when the node names none.
const DefaultCPUFlavorID = "cpu3c"

// NodeSettings is the part of the kubelet's configuration the policy obeys.
type NodeSettings struct {
	ClusterID     string          // names RunPod pods; required
	NodeName      string          // the virtual node; required
	MaxGPUPrice   float64         // per-GPU $/h cap (MAX_GPU_PRICE); 0 = no cap
	DataCenterIDs []string        // allow-list; empty = any data center
	CloudType     runpodapi.Cloud // default cloud; "" = SECURE
	CPUFlavorID   string          // flavor of CPU pods; "" = DefaultCPUFlavorID
	AccountIDs    AccountIDs      // which volume, template and registry ids each namespace may name
	// AllowedGPUTypes (ALLOWED_GPU_TYPES) are the only GPU types the node
	// offers, as names people type (gpunames.go); empty = any.
	AllowedGPUTypes []string
}

// Input is everything one placement decision depends on.
type Input struct {
	// Pod is the pod as virtual-kubelet hands it to the provider, env resolved.
	Pod *corev1.Pod
	// StoredPod is the pod as stored in the API server, before env resolution
	// (optional). Env names its container declares are never dropped as service links.
	StoredPod *corev1.Pod
	// Job is the Job named by the pod's ownerReference of kind Job (optional).
	Job *batchv1.Job
	// Services are the cluster's Services (optional), to recognise the
	// service-link variables the pod controller added to the env.
	Services []corev1.Service
	Node     NodeSettings
	// Catalog is GET /v2/catalog/gpus?include=AVAILABILITY&product=POD with the
	// count and cloud CatalogQueryFor returns. Unused for CPU pods.
	Catalog []runpodapi.GpuType
	// CPUCatalog is GET /v2/catalog/cpus, for CPU pods (price, vCPU range).
	CPUCatalog []runpodapi.CpuType
	// Image is the image's config from its registry (ENTRYPOINT and CMD),
	// needed only when the container sets no command; nil when unread, and
	// ImageErr says why.
	Image    *ImageConfig
	ImageErr string
	// Sources reads the ConfigMaps and Secrets the pod's volumes name.
	Sources Sources
	// SSH, when set, is the kubelet's SSH access to add to the pod (unless
	// the pod opts out with runpod.io/ssh: "false"); nil adds none.
	SSH *SSHAccess
}

// PlacementPlan is what to ask RunPod for, best candidate first.
type PlacementPlan struct {
	Name              string          // RunPod pod name, same in every candidate
	GPUCount          int             // 0 for a CPU pod
	Cloud             runpodapi.Cloud // cloud tier of every candidate
	Candidates        []Candidate     // try in order; never empty
	Explanation       string          // one line for a Kubernetes Event
	DroppedContainers []string        // containers not run (runpod.io/drop-containers)
	DroppedEnv        []string        // service-link variables removed, sorted
	Launch            Launch          // what the container runs, and whether the wrapper reports its exit status
	// Secrets must exist as RunPod account secrets before the create: the
	// env references them. Values are never logged (AccountSecret.String).
	Secrets []AccountSecret
	// RegistryLogin, when set, is a registry credential to create (or
	// reuse by name) from the pod's imagePullSecrets; its id goes into
	// every candidate's `registry` (SetRegistry).
	RegistryLogin *RegistryLogin
	// SSH says the kubelet's key reaches the pod (kubectl exec works).
	SSH bool
}

// Candidate is one complete, spec-valid create request and why it ranks where it does.
type Candidate struct {
	Request      runpodapi.CreatePodRequest
	GpuTypeID    string                      // "" for a CPU pod
	DataCenterID string                      // "" = RunPod chooses
	HourlyCost   float64                     // per pod: per-GPU price × GPUs, or per-vCPU price × vCPUs
	Availability runpodapi.AvailabilityLevel // catalog stock; "" for a CPU pod
}

// CatalogQuery is the catalog read a plan needs: the GPU catalog for a GPU
// count and cloud, or the CPU catalog.
type CatalogQuery struct {
	GPUCount int             // GPUs per pod; 0 for a CPU pod
	Cloud    runpodapi.Cloud // the cloud to ask for (GPU pods)
	CPU      bool            // a CPU pod: read GET /v2/catalog/cpus
}

// Demand is one pod's ask, derived once per create by Prepare: the catalog
// read it needs (Query) and the create request every candidate shares.
// Rank then turns a catalog snapshot into the placement plan.
type Demand struct {
	Query CatalogQuery // the catalog read Rank needs
	node  NodeSettings
	d     *demand
	base  base
}

// Prepare runs every check that does not need the catalog (annotations,
// containers, ports, env, command, the id allow-lists), so a pod refused for
// its own content costs no RunPod call, and says which catalog to read.
// Errors wrapping ErrRefused are for the user (an Event).
func Prepare(in Input) (*Demand, error) {
	d, err := demandOf(in)
	if err != nil {
		return nil, err
	}
	b, err := baseRequest(in, d)
	if err != nil {
		return nil, err
	}
	q := CatalogQuery{GPUCount: d.gpus, Cloud: d.cloud}
	if d.gpus == 0 {
		if err := checkCPUDemand(d); err != nil {
			return nil, err
		}
		q = CatalogQuery{CPU: true}
	}
	return &Demand{Query: q, node: in.Node, d: d, base: b}, nil
}

// Rank decides what to ask RunPod for against a catalog snapshot (the GPU
// catalog for GPU pods, the CPU catalog for CPU pods), best candidate first.
// Errors wrapping ErrRefused or ErrNoCandidates are for the user.
func (dm *Demand) Rank(gpus []runpodapi.GpuType, cpus []runpodapi.CpuType) (*PlacementPlan, error) {
	d := dm.d
	b := dm.base
	plan := &PlacementPlan{Name: b.req.Name, GPUCount: d.gpus, Cloud: d.cloud,
		DroppedContainers: d.dropped, DroppedEnv: b.dropped, Launch: b.launch,
		Secrets: b.secrets, RegistryLogin: b.login, SSH: b.ssh}
	var err error
	if d.gpus == 0 {
		err = planCPU(plan, b.req, dm.node, d, cpus)
	} else {
		err = planGPU(plan, b.req, dm.node, d, gpus)
	}
	if err != nil {
		return nil, err
	}
	return plan, nil
}

// CatalogQueryFor is Prepare's query alone.
func CatalogQueryFor(in Input) (CatalogQuery, error) {
	dm, err := Prepare(in)
	if err != nil {
		return CatalogQuery{}, err
	}
	return dm.Query, nil
}

// Plan is Prepare then Rank against in's catalogs, in one call.
func Plan(in Input) (*PlacementPlan, error) {
	dm, err := Prepare(in)
	if err != nil {
		return nil, err
	}
	return dm.Rank(in.Catalog, in.CPUCatalog)
}

// demand is the pod's ask, read from its annotations, container and resources.
type demand struct {
	ann         Annotations
	container   *corev1.Container
	dropped     []string
	gpus        int
	cloud       runpodapi.Cloud
	dataCenters []string
}

func demandOf(in Input) (*demand, error) {
	if err := checkInput(in); err != nil {
		return nil, err
	}
	var jobAnn map[string]string
	if in.Job != nil {
		jobAnn = in.Job.Annotations
	}
	ann, err := ParseAnnotations(in.Pod.Annotations, jobAnn)
	if err != nil {
		return nil, err
	}
	if err := checkAccountIDs(in.Pod.Namespace, &ann, in.Node.AccountIDs); err != nil {
		return nil, err
	}
	d := &demand{ann: ann, cloud: ann.CloudType}
	if d.cloud == "" {
		d.cloud = in.Node.CloudType
	}
	if d.cloud == "" {
		d.cloud = runpodapi.CloudSecure
	}
	if d.container, d.dropped, err = selectContainer(in.Pod, &d.ann); err != nil {
		return nil, err
	}
	if d.gpus, err = gpuCount(d.container); err != nil {
		return nil, err
	}
	if d.dataCenters, err = allowedDataCenters(in.Node.DataCenterIDs, &d.ann); err != nil {
		return nil, err
	}
	return d, nil
}

// checkInput rejects input the caller got wrong (not the user): plain errors.
func checkInput(in Input) error {
	n := in.Node
	switch {
	case in.Pod == nil:
		return errors.New("plan RunPod pod: no pod given")
	case n.ClusterID == "" || n.NodeName == "":
		return fmt.Errorf("plan RunPod pod for %s/%s: node settings need a cluster id and a node name", in.Pod.Namespace, in.Pod.Name)
	case math.IsNaN(n.MaxGPUPrice) || n.MaxGPUPrice < 0:
		return fmt.Errorf("plan RunPod pod for %s/%s: node MAX_GPU_PRICE %v is not a price", in.Pod.Namespace, in.Pod.Name, n.MaxGPUPrice)
	case n.CloudType != "" && n.CloudType != runpodapi.CloudSecure && n.CloudType != runpodapi.CloudCommunity:
		return fmt.Errorf("plan RunPod pod for %s/%s: node cloud type %q is not SECURE or COMMUNITY", in.Pod.Namespace, in.Pod.Name, n.CloudType)
	case in.Job != nil && !ownedByJob(in.Pod, in.Job):
		return fmt.Errorf("plan RunPod pod for %s/%s: Job %q does not own the pod", in.Pod.Namespace, in.Pod.Name, in.Job.Name)
	}
	return nil
}

// OwningJobName is the name of the Job that owns the pod, if one does.
func OwningJobName(pod *corev1.Pod) (string, bool) {
	for _, ref := range pod.OwnerReferences {
		if ref.Kind == "Job" && (ref.APIVersion == "" || ref.APIVersion == batchv1.SchemeGroupVersion.String()) {
			return ref.Name, true
		}
	}
	return "", false
}

func ownedByJob(pod *corev1.Pod, job *batchv1.Job) bool {
	for _, ref := range pod.OwnerReferences {
		if ref.Kind == "Job" && ref.Name == job.Name && (ref.UID == "" || job.UID == "" || ref.UID == job.UID) &&
			(job.Namespace == "" || job.Namespace == pod.Namespace) {
			return true
		}
	}
	return false
}
