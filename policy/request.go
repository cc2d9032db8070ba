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

// base is what every candidate shares: the create body but the compute
// block and the data center, and what must exist at RunPod before it.
type base struct {
	req     runpodapi.CreatePodRequest
	launch  Launch
	dropped []string        // env names dropped as service links
	secrets []AccountSecret // Secret content the env references
	login   *RegistryLogin  // a registry credential to create from imagePullSecrets
	ssh     bool            // the kubelet's SSH key and 22/tcp were added
}

// baseRequest builds the shared part of every candidate.
func baseRequest(in Input, d *demand) (base, error) {
	var b base
	name, err := Name(in.Node.ClusterID, in.Node.NodeName, string(in.Pod.UID))
	if err != nil {
		return b, fmt.Errorf("plan RunPod pod for %s/%s: %w", in.Pod.Namespace, in.Pod.Name, err)
	}
	c, a := d.container, &d.ann
	if c.Image == "" && a.TemplateID == "" {
		return b, refused(fmt.Sprintf("container %q", c.Name),
			fmt.Sprintf("has no image; set one or name a RunPod template in %s", AnnotationTemplateID))
	}
	full, err := resolvedEnv(c)
	if err != nil {
		return b, err
	}
	files, dirs, err := mountsOf(in.Pod, c, in.Sources)
	if err != nil {
		return b, err
	}
	origins, err := secretEnvOrigins(in.StoredPod, c.Name, in.Sources)
	if err != nil {
		return b, err
	}
	if err := checkCommandSecrets(c, origins); err != nil {
		return b, err
	}
	if b.launch, err = launchOf(c, full, a, in.Image, in.ImageErr, len(files)+len(dirs) > 0 || c.WorkingDir != ""); err != nil {
		return b, err
	}
	prefix := OwnedNamePrefix(in.Node.ClusterID, in.Node.NodeName)
	env, dropped := dropServiceLinks(full, serviceLinkEnv(in.Pod, in.Services), declaredEnvNames(in.StoredPod, c.Name))
	b.dropped = dropped
	b.secrets = keepSecretEnv(env, origins, prefix)
	maps.Copy(env, ownershipEnv(in.Node.ClusterID, in.Node.NodeName, in.Pod))
	if b.launch.Wrapped {
		wenv, fileSecrets := wrapperEnv(files, dirs, c.WorkingDir, prefix)
		maps.Copy(env, wenv)
		for _, s := range fileSecrets {
			b.secrets = appendSecret(b.secrets, s)
		}
	}
	for _, s := range b.secrets {
		if err := checkSecretName(s); err != nil {
			return b, fmt.Errorf("plan RunPod pod for %s/%s: %w", in.Pod.Namespace, in.Pod.Name, err)
		}
	}
	ports, err := podPorts(c, a)
	if err != nil {
		return b, err
	}
	if a.RegistryAuthID == "" {
		b.login = registryLoginFor(in.Pod, c.Image, in.Sources, prefix)
	}
	b.req = runpodapi.CreatePodRequest{
		Name:       name,
		Image:      c.Image,
		Entrypoint: b.launch.Entrypoint,
		Cmd:        b.launch.Cmd,
		Disk:       a.ContainerDiskGB,
		Env:        env,
		Ports:      ports,
		Registry:   a.RegistryAuthID,
		Cloud:      d.cloud,
		TemplateID: a.TemplateID,
	}
	if in.SSH != nil && !a.NoSSH {
		addSSH(&b.req, in.SSH)
		b.ssh = true
	}
	if a.NetworkVolumeID != "" {
		path := a.VolumeMountPath
		if path == "" {
			path = DefaultVolumeMountPath
		}
		b.req.Mounts = &runpodapi.Mounts{Network: []runpodapi.NetworkMount{{VolumeID: a.NetworkVolumeID, Path: path}}}
	}
	return b, checkRequestSize(b.req, files)
}

// wrapperEnv hands the wrapper the pod's files, emptyDirs and workingDir; a
// Secret's file data goes through an account secret, returned with the env.
func wrapperEnv(files []File, dirs []string, workDir, prefix string) (map[string]string, []AccountSecret) {
	env := map[string]string{}
	var secrets []AccountSecret
	if len(files) > 0 {
		env[EnvFiles] = strconv.Itoa(len(files))
	}
	for i, f := range files {
		p, m, d := EnvFile(i)
		env[p], env[m], env[d] = f.Path, fmt.Sprintf("%04o", f.Mode), EncodeFileData(f.Data)
		if f.secret != nil {
			s := accountSecretFor(prefix, "file", f.secret, f.key, env[d])
			env[d] = runpodapi.SecretReference(s.Name)
			secrets = appendSecret(secrets, s)
		}
	}
	if len(dirs) > 0 {
		env[EnvDirs] = strings.Join(dirs, ":")
	}
	if workDir != "" {
		env[EnvWorkDir] = workDir
	}
	return env, secrets
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
	switch n := len(p.Secrets); {
	case n == 1:
		s += "; 1 value from a Secret kept as a RunPod account secret"
	case n > 1:
		s += fmt.Sprintf("; %d values from Secrets kept as RunPod account secrets", n)
	}
	if p.RegistryLogin != nil {
		s += "; registry credential from imagePullSecret " + p.RegistryLogin.SecretName
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
