package policy

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Annotations is what a pod (and its owning Job) asks of RunPod, parsed and
// validated. Zero values mean "not set": the node's settings or RunPod's
// defaults apply.
type Annotations struct {
	RequiredGPUMemoryGB int             // VRAM floor per GPU; 0 = none
	CloudType           runpodapi.Cloud // "" = the node's default
	DataCenterIDs       []string        // nil = the node's allow-list
	TemplateID          string          // RunPod template id
	RegistryAuthID      string          // v2 `registry`
	Ports               []string        // nil = detect from container ports
	GPUTypeIDs          []string        // nil = any type, cheapest first
	MaxPrice            float64         // per-GPU $/h; 0 = the node's cap
	ContainerDiskGB     int             // v2 `disk`; 0 = RunPod's default
	NetworkVolumeID     string          // v2 mounts.network[0].volumeId
	VolumeMountPath     string          // v2 mounts.network[0].path
	AllowedCUDAVersions []string        // gpu.allowedCudaVersions
	MinCUDAVersion      string          // gpu.minCudaVersion
	DropContainers      []string        // containers the user accepts dropping
	DefaultContainer    string          // kubectl.kubernetes.io/default-container
	NoWrapper           bool            // runpod.io/exit-code-wrapper: false
	MountServiceAccount bool            // runpod.io/service-account-token: mount
	NoSSH               bool            // runpod.io/ssh: false
	fromJob             map[string]bool // keys whose value came from the Job
}

// Every key is a constant declared right above its parser, here or in the
// file of the decision it feeds (ports.go, datacenter.go, gpu.go, cuda.go,
// container.go); the README table is tested against AnnotationKeys.

// annotationField binds one key to its parser; parse returns "" or the reason
// the value is refused.
type annotationField struct {
	key   string
	parse func(v string, a *Annotations) string
}

// annotationFields lists every key the policy reads, in README order.
func annotationFields() []annotationField {
	return []annotationField{
		{AnnotationRequiredGPUMemory, parseRequiredGPUMemory},
		{AnnotationCloudType, parseCloudType},
		{AnnotationDataCenterIDs, parseDataCenterIDs},
		{AnnotationTemplateID, parseTemplateID},
		{AnnotationRegistryAuthID, parseRegistryAuthID},
		{AnnotationPorts, parsePortsAnnotation},
		{AnnotationGPUTypeIDs, parseGPUTypeIDs},
		{AnnotationMaxPrice, parseMaxPrice},
		{AnnotationContainerDiskGB, parseContainerDiskGB},
		{AnnotationNetworkVolumeID, parseNetworkVolumeID},
		{AnnotationVolumeMountPath, parseVolumeMountPath},
		{AnnotationAllowedCUDAVersions, parseAllowedCUDAVersions},
		{AnnotationMinCUDAVersion, parseMinCUDAVersion},
		{AnnotationDropContainers, parseDropContainers},
		{AnnotationDefaultContainer, parseDefaultContainer},
		{AnnotationExitCodeWrapper, parseExitCodeWrapper},
		{AnnotationSSH, parseSSH},
	}
}

// AnnotationKeys returns every annotation key the policy reads.
func AnnotationKeys() []string {
	fields := annotationFields()
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	return keys
}

// ParseAnnotations reads every key from the pod's annotations first, then from
// the owning Job's (job may be nil). A blank value counts as unset. The two
// CUDA keys are one setting: if the pod sets either, the Job's are ignored.
// All refused values are reported together, each as an ErrRefused *Error.
func ParseAnnotations(pod, job map[string]string) (Annotations, error) {
	if has(pod, AnnotationAllowedCUDAVersions) || has(pod, AnnotationMinCUDAVersion) {
		job = maps.Clone(job)
		delete(job, AnnotationAllowedCUDAVersions)
		delete(job, AnnotationMinCUDAVersion)
	}
	a := Annotations{fromJob: map[string]bool{}}
	var errs []error
	for _, f := range annotationFields() {
		v, onJob, ok := lookup(f.key, pod, job)
		if !ok {
			continue
		}
		a.fromJob[f.key] = onJob
		if reason := f.parse(v, &a); reason != "" {
			errs = append(errs, refused(a.field(f.key), reason))
		}
	}
	errs = append(errs, a.crossCheck()...)
	return a, errors.Join(errs...)
}

// crossCheck refuses combinations of keys that cannot go together.
func (a *Annotations) crossCheck() []error {
	var errs []error
	if len(a.AllowedCUDAVersions) > 0 && a.MinCUDAVersion != "" {
		errs = append(errs, refused(a.field(AnnotationMinCUDAVersion), fmt.Sprintf(
			"cannot be combined with %s; set an exact list or a floor, not both", AnnotationAllowedCUDAVersions)))
	}
	if a.VolumeMountPath != "" && a.NetworkVolumeID == "" {
		errs = append(errs, refused(a.field(AnnotationVolumeMountPath), fmt.Sprintf(
			"is set but %s is not; name the network volume to mount", AnnotationNetworkVolumeID)))
	}
	return errs
}

// field names a key for an error message, saying when it came from the Job.
func (a *Annotations) field(key string) string {
	if a.fromJob[key] {
		return "annotation " + key + " (on the owning Job)"
	}
	return "annotation " + key
}

// isSet reports whether the pod or its Job gave key a value.
func (a *Annotations) isSet(key string) bool {
	_, ok := a.fromJob[key]
	return ok
}

func has(m map[string]string, key string) bool {
	return strings.TrimSpace(m[key]) != ""
}

// lookup returns the trimmed value of key, pod first, and whether it came from the Job.
func lookup(key string, pod, job map[string]string) (value string, onJob, ok bool) {
	if v := strings.TrimSpace(pod[key]); v != "" {
		return v, false, true
	}
	if v := strings.TrimSpace(job[key]); v != "" {
		return v, true, true
	}
	return "", false, false
}

// AnnotationRequiredGPUMemory is the minimum VRAM per GPU in whole GB.
const AnnotationRequiredGPUMemory = "runpod.io/required-gpu-memory"

func parseRequiredGPUMemory(v string, a *Annotations) string {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Sprintf("%q is not a whole number of GB", v)
	}
	a.RequiredGPUMemoryGB = n
	return ""
}

// AnnotationCloudType is SECURE or COMMUNITY.
const AnnotationCloudType = "runpod.io/cloud-type"

func parseCloudType(v string, a *Annotations) string {
	switch c := runpodapi.Cloud(strings.ToUpper(v)); c {
	case runpodapi.CloudSecure, runpodapi.CloudCommunity:
		a.CloudType = c
		return ""
	}
	return fmt.Sprintf("%q is not a cloud type; use SECURE or COMMUNITY", v)
}

// AnnotationTemplateID is a RunPod template id.
const AnnotationTemplateID = "runpod.io/templateId"

func parseTemplateID(v string, a *Annotations) string {
	if !isToken(v) {
		return fmt.Sprintf("%q is not a RunPod template id", v)
	}
	a.TemplateID = v
	return ""
}

// AnnotationRegistryAuthID is a RunPod registry credential id.
const AnnotationRegistryAuthID = "runpod.io/container-registry-auth-id"

func parseRegistryAuthID(v string, a *Annotations) string {
	if !isToken(v) {
		return fmt.Sprintf("%q is not a RunPod registry credential id", v)
	}
	a.RegistryAuthID = v
	return ""
}

// AnnotationMaxPrice is a per-GPU $/h cap that may only lower the node's.
const AnnotationMaxPrice = "runpod.io/max-price"

func parseMaxPrice(v string, a *Annotations) string {
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(p) || math.IsInf(p, 0) || p <= 0 {
		return fmt.Sprintf("%q is not a price in dollars per hour per GPU (e.g. 0.50)", v)
	}
	a.MaxPrice = p
	return ""
}

// AnnotationContainerDiskGB is the container disk in GB.
const AnnotationContainerDiskGB = "runpod.io/container-disk-gb"

func parseContainerDiskGB(v string, a *Annotations) string {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return fmt.Sprintf("%q is not a whole number of GB of at least 1", v)
	}
	a.ContainerDiskGB = n
	return ""
}

// AnnotationNetworkVolumeID is the network volume to mount.
const AnnotationNetworkVolumeID = "runpod.io/network-volume-id"

func parseNetworkVolumeID(v string, a *Annotations) string {
	if !isToken(v) {
		return fmt.Sprintf("%q is not a RunPod network volume id", v)
	}
	a.NetworkVolumeID = v
	return ""
}

// AnnotationVolumeMountPath is where the network volume is mounted.
const AnnotationVolumeMountPath = "runpod.io/volume-mount-path"

func parseVolumeMountPath(v string, a *Annotations) string {
	if !strings.HasPrefix(v, "/") || v == "/" || strings.ContainsFunc(v, unicode.IsControl) {
		return fmt.Sprintf("%q is not an absolute path below / inside the container", v)
	}
	a.VolumeMountPath = v
	return ""
}

// isToken accepts an id: printable, no spaces, at most 256 bytes.
func isToken(v string) bool {
	return v != "" && len(v) <= 256 && !strings.ContainsFunc(v, func(r rune) bool {
		return unicode.IsSpace(r) || !unicode.IsPrint(r)
	})
}

// splitList splits a comma list, trims items, drops blanks and repeats.
func splitList(v string) []string {
	var out []string
	seen := map[string]bool{}
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" || seen[item] {
			continue
		}
		seen[item] = true
		out = append(out, item)
	}
	return out
}
