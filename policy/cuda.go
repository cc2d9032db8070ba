package policy

import "fmt"

// The host CUDA constraint: an exact list or a floor, never both (the spec
// answers 400 when both are sent). RunPod only applies it to GPU pods.
const (
	// AnnotationAllowedCUDAVersions is a comma list of exact `major.minor` versions.
	AnnotationAllowedCUDAVersions = "runpod.io/allowed-cuda-versions"
	// AnnotationMinCUDAVersion is the lowest acceptable `major.minor` version.
	AnnotationMinCUDAVersion = "runpod.io/min-cuda-version"
)

func parseAllowedCUDAVersions(v string, a *Annotations) string {
	versions := splitList(v)
	if len(versions) == 0 {
		return fmt.Sprintf("%q lists no CUDA versions; write e.g. 12.8,12.6", v)
	}
	for _, ver := range versions {
		if !isCUDAVersion(ver) {
			return fmt.Sprintf("%q is not a CUDA version as major.minor (e.g. 12.8)", ver)
		}
	}
	a.AllowedCUDAVersions = versions
	return ""
}

func parseMinCUDAVersion(v string, a *Annotations) string {
	if !isCUDAVersion(v) {
		return fmt.Sprintf("%q is not a CUDA version as major.minor (e.g. 12.1)", v)
	}
	a.MinCUDAVersion = v
	return ""
}

// isCUDAVersion matches the spec's pattern ^\d+\.\d+$ (ASCII digits, at most 9 each).
func isCUDAVersion(v string) bool {
	dot := -1
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '.' && dot < 0:
			dot = i
		case v[i] < '0' || v[i] > '9':
			return false
		}
	}
	return dot > 0 && dot < len(v)-1 && dot <= 9 && len(v)-dot-1 <= 9
}
