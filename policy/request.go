package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// DefaultVolumeMountPath is where a network volume is mounted when the pod
// names none (RunPod's own convention).
const DefaultVolumeMountPath = "/workspace"

// baseRequest is the create body every candidate shares: everything but the
// compute block and the data center. It also returns the env names dropped
// as service links.
func baseRequest(in Input, d *demand) (runpodapi.CreatePodRequest, []string, error) {
	var req runpodapi.CreatePodRequest
	name, err := Name(in.Node.ClusterID, in.Node.NodeName, string(in.Pod.UID))
	if err != nil {
		return req, nil, fmt.Errorf("plan RunPod pod for %s/%s: %w", in.Pod.Namespace, in.Pod.Name, err)
	}
	c, a := d.container, &d.ann
	if c.Image == "" && a.TemplateID == "" {
		return req, nil, refused(fmt.Sprintf("container %q", c.Name),
			fmt.Sprintf("has no image; set one or name a RunPod template in %s", AnnotationTemplateID))
	}
	full, err := resolvedEnv(c)
	if err != nil {
		return req, nil, err
	}
	env, dropped := dropServiceLinks(full, serviceLinkEnv(in.Pod, in.Services), declaredEnvNames(in.StoredPod, c.Name))
	maps.Copy(env, ownershipEnv(in.Node.ClusterID, in.Node.NodeName, in.Pod))
	ports, err := podPorts(c, a)
	if err != nil {
		return req, nil, err
	}
	req = runpodapi.CreatePodRequest{
		Name:       name,
		Image:      c.Image,
		Args:       argsString(c, full),
		Disk:       a.ContainerDiskGB,
		Env:        env,
		Ports:      ports,
		Registry:   a.RegistryAuthID,
		Cloud:      d.cloud,
		TemplateID: a.TemplateID,
	}
	if a.NetworkVolumeID != "" {
		path := a.VolumeMountPath
		if path == "" {
			path = DefaultVolumeMountPath
		}
		req.Mounts = &runpodapi.Mounts{Network: []runpodapi.NetworkMount{{VolumeID: a.NetworkVolumeID, Path: path}}}
	}
	return req, dropped, nil
}

// notes adds what the plan left out to the explanation.
func (p *PlacementPlan) notes() string {
	var s string
	if len(p.DroppedContainers) > 0 {
		s += fmt.Sprintf("; not run: %s", strings.Join(p.DroppedContainers, ", "))
	}
	if len(p.DroppedEnv) > 0 {
		s += fmt.Sprintf("; dropped %d service-link variables", len(p.DroppedEnv))
	}
	return s
}

// cloneRequest deep-copies a request so candidates share no maps or slices.
func cloneRequest(r runpodapi.CreatePodRequest) runpodapi.CreatePodRequest {
	r.Env = maps.Clone(r.Env)
	r.Ports = slices.Clone(r.Ports)
	r.DataCenterIDs = slices.Clone(r.DataCenterIDs)
	if r.Mounts != nil {
		m := *r.Mounts
		m.Network = slices.Clone(m.Network)
		if m.Persistent != nil {
			p := *m.Persistent
			m.Persistent = &p
		}
		r.Mounts = &m
	}
	return r
}
