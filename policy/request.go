package policy

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// DefaultVolumeMountPath is where a network volume is mounted when the pod
// names none (RunPod's own convention).
const DefaultVolumeMountPath = "/workspace"

// baseRequest is the create body every candidate shares: everything but the
// compute block and the data center. It also returns the env names dropped
// as service links.
func baseRequest(in Input, d *demand) (runpodapi.CreatePodRequest, Launch, []string, error) {
	var req runpodapi.CreatePodRequest
	var launch Launch
	name, err := Name(in.Node.ClusterID, in.Node.NodeName, string(in.Pod.UID))
	if err != nil {
		return req, launch, nil, fmt.Errorf("plan RunPod pod for %s/%s: %w", in.Pod.Namespace, in.Pod.Name, err)
	}
	c, a := d.container, &d.ann
	if c.Image == "" && a.TemplateID == "" {
		return req, launch, nil, refused(fmt.Sprintf("container %q", c.Name),
			fmt.Sprintf("has no image; set one or name a RunPod template in %s", AnnotationTemplateID))
	}
	full, err := resolvedEnv(c)
	if err != nil {
		return req, launch, nil, err
	}
	files, dirs, err := mountsOf(in.Pod, c, in.Sources)
	if err != nil {
		return req, launch, nil, err
	}
	if launch, err = launchOf(c, full, a, in.Image, in.ImageErr, len(files)+len(dirs) > 0 || c.WorkingDir != ""); err != nil {
		return req, launch, nil, err
	}
	env, dropped := dropServiceLinks(full, serviceLinkEnv(in.Pod, in.Services), declaredEnvNames(in.StoredPod, c.Name))
	maps.Copy(env, ownershipEnv(in.Node.ClusterID, in.Node.NodeName, in.Pod))
	if launch.Wrapped {
		maps.Copy(env, wrapperEnv(files, dirs, c.WorkingDir))
	}
	ports, err := podPorts(c, a)
	if err != nil {
		return req, launch, nil, err
	}
	req = runpodapi.CreatePodRequest{
		Name:       name,
		Image:      c.Image,
		Entrypoint: launch.Entrypoint,
		Cmd:        launch.Cmd,
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
	return req, launch, dropped, checkRequestSize(req, files)
}

// wrapperEnv hands the wrapper the pod's files, emptyDirs and workingDir.
func wrapperEnv(files []File, dirs []string, workDir string) map[string]string {
	env := map[string]string{}
	if len(files) > 0 {
		env[EnvFiles] = strconv.Itoa(len(files))
	}
	for i, f := range files {
		p, m, d := EnvFile(i)
		env[p], env[m], env[d] = f.Path, fmt.Sprintf("%04o", f.Mode), EncodeFileData(f.Data)
	}
	if len(dirs) > 0 {
		env[EnvDirs] = strings.Join(dirs, ":")
	}
	if workDir != "" {
		env[EnvWorkDir] = workDir
	}
	return env
}

// candidateOverhead bounds what a candidate adds to the base request (the
// gpu or cpu block and a data center).
const candidateOverhead = 512

// checkRequestSize refuses a pod whose create request RunPod would answer 413.
func checkRequestSize(req runpodapi.CreatePodRequest, files []File) error {
	b, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("plan RunPod pod: encode the request: %w", err)
	}
	size := len(b) + candidateOverhead
	if size <= runpodapi.MaxRequestBytes {
		return nil
	}
	var fileBytes int
	for _, f := range files {
		fileBytes += len(f.Data)
	}
	return refused("pod", fmt.Sprintf(
		"its RunPod create request would be about %d bytes (files %d bytes), over RunPod's %d-byte request limit; put large files in the image or a network volume",
		size, fileBytes, runpodapi.MaxRequestBytes))
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
