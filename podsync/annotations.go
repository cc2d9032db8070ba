package podsync

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Pod annotations are the durable state: what RunPod pod backs a Kubernetes
// pod and what it costs. They are written with merge patches, never updates.
const (
	AnnotationPodID        = "runpod.io/pod-id"
	AnnotationCostPerHr    = "runpod.io/cost-per-hr"
	AnnotationGpuType      = "runpod.io/gpu-type"
	AnnotationGpuCount     = "runpod.io/gpu-count"
	AnnotationDataCenterID = "runpod.io/datacenter-id"
	AnnotationCloudType    = "runpod.io/cloud-type"
	AnnotationPublicIP     = "runpod.io/public-ip"
	// AnnotationPortMappings is written by runpod-kubelet; the user-facing
	// runpod.io/ports (an input: which ports to expose) is left to the user.
	AnnotationPortMappings = "runpod.io/port-mappings"
	AnnotationCreatedAt    = "runpod.io/created-at"
)

// State is what the annotations record about a pod's RunPod pod.
type State struct {
	RunPodID     string
	CostPerHr    float64
	GpuType      string
	GpuCount     int
	DataCenterID string
	Cloud        string
	PublicIP     string
	PortMappings string
	CreatedAt    time.Time
}

// StateOf describes a RunPod pod as annotations.
func StateOf(rp *runpodapi.Pod) State {
	s := State{RunPodID: rp.ID, CostPerHr: rp.Cost, Cloud: string(rp.Cloud), CreatedAt: rp.CreatedAt,
		PublicIP: PublicIP(rp), PortMappings: portMappings(rp)}
	if rp.Gpu != nil {
		s.GpuType, s.GpuCount = rp.Gpu.ID, max(rp.Gpu.Count, 1)
	}
	if rp.DataCenterID != nil {
		s.DataCenterID = *rp.DataCenterID
	}
	return s
}

// ReadState decodes the annotations; fields that do not parse stay zero.
func ReadState(a map[string]string) State {
	s := State{RunPodID: a[AnnotationPodID], GpuType: a[AnnotationGpuType], DataCenterID: a[AnnotationDataCenterID],
		Cloud: a[AnnotationCloudType], PublicIP: a[AnnotationPublicIP], PortMappings: a[AnnotationPortMappings]}
	s.CostPerHr, _ = strconv.ParseFloat(a[AnnotationCostPerHr], 64)
	s.GpuCount, _ = strconv.Atoi(a[AnnotationGpuCount])
	s.CreatedAt, _ = time.Parse(time.RFC3339, a[AnnotationCreatedAt])
	return s
}

// Annotations encodes s; empty fields are left out.
func (s State) Annotations() map[string]string {
	out := map[string]string{}
	put := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	put(AnnotationPodID, s.RunPodID)
	if s.RunPodID != "" {
		put(AnnotationCostPerHr, strconv.FormatFloat(s.CostPerHr, 'f', -1, 64))
	}
	put(AnnotationGpuType, s.GpuType)
	if s.GpuCount > 0 {
		put(AnnotationGpuCount, strconv.Itoa(s.GpuCount))
	}
	put(AnnotationDataCenterID, s.DataCenterID)
	put(AnnotationCloudType, s.Cloud)
	put(AnnotationPublicIP, s.PublicIP)
	put(AnnotationPortMappings, s.PortMappings)
	if !s.CreatedAt.IsZero() {
		put(AnnotationCreatedAt, s.CreatedAt.UTC().Format(time.RFC3339))
	}
	return out
}

// statePatch is a JSON merge patch that brings current up to s, or nil when
// nothing changes. The pod UID in the patch makes the API server refuse it for
// a different pod of the same name. A zero cost while EXITED is not written:
// the annotation keeps what the pod billed while it ran.
func statePatch(uid string, current map[string]string, s State) []byte {
	want := s.Annotations()
	changed := map[string]string{}
	for k, v := range want {
		if current[k] != v {
			changed[k] = v
		}
	}
	if len(changed) == 0 {
		return nil
	}
	b, _ := json.Marshal(map[string]any{"metadata": map[string]any{"uid": uid, "annotations": changed}})
	return b
}

// mergeState keeps recorded values that the latest RunPod view no longer
// carries (public IP and cost of a stopped pod), so the record survives.
func mergeState(recorded, latest State) State {
	out := latest
	if out.PublicIP == "" {
		out.PublicIP = recorded.PublicIP
	}
	if out.PortMappings == "" {
		out.PortMappings = recorded.PortMappings
	}
	if out.CostPerHr == 0 {
		out.CostPerHr = recorded.CostPerHr
	}
	return out
}

// portMappings renders runtime ports as `22/tcp=203.0.113.7:34446,8888/http=https://<id>-8888.proxy.runpod.net`.
func portMappings(rp *runpodapi.Pod) string {
	m := map[string]string{}
	for _, spec := range rp.Ports {
		port, proto, ok := strings.Cut(spec, "/")
		if !ok {
			continue
		}
		if proto == "http" {
			m[spec] = fmt.Sprintf("https://%s-%s.proxy.runpod.net", rp.ID, port)
		}
	}
	if rp.Runtime != nil {
		for _, p := range rp.Runtime.Ports {
			if p.Type == "tcp" && p.Public != nil && p.IP != nil {
				m[fmt.Sprintf("%d/tcp", p.Private)] = fmt.Sprintf("%s:%d", *p.IP, *p.Public)
			}
		}
	}
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, ",")
}
