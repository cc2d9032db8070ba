package simulator

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// podPatch is a schema-valid UpdatePodRequest with presence kept: a field
// that is absent is left alone, `registry: null` clears, `ports: []` empties.
type podPatch struct {
	Name             *string           `json:"name"`
	Image            *string           `json:"image"`
	Args             *string           `json:"args"`
	Entrypoint       *[]string         `json:"entrypoint"`
	Cmd              *[]string         `json:"cmd"`
	Disk             *int              `json:"disk"`
	Env              map[string]string `json:"env"`
	Ports            []string          `json:"ports"`
	Locked           *bool             `json:"locked"`
	GlobalNetworking *bool             `json:"globalNetworking"`
	Mounts           *runpodapi.Mounts `json:"mounts"`
	TemplateID       *string           `json:"templateId"`
	has              map[string]json.RawMessage
}

func decodePatch(raw []byte) (podPatch, error) {
	var p podPatch
	if err := decodeStrict(raw, &p); err != nil {
		return podPatch{}, err
	}
	if err := decodeStrict(raw, &p.has); err != nil {
		return podPatch{}, err
	}
	return p, nil
}

// patchPod applies PATCH /v2/pods/{id}. A change of image or command
// (args, entrypoint, cmd) restarts a PROVISIONING, STARTING or RUNNING pod
// at once with the new settings, as RunPod does; env and ports, and any
// change to a stopped pod, reach the container at its next start or restart.
func (s *Simulator) patchPod(id string, raw []byte) (runpodapi.Pod, error) {
	if err := validateJSON(raw, s.schemas.update, s.schemas.doc); err != nil {
		return runpodapi.Pod{}, err
	}
	patch, err := decodePatch(raw)
	if err != nil {
		return runpodapi.Pod{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.st.pods[id]
	if !ok {
		return runpodapi.Pod{}, errPodNotFound()
	}
	next, err := patchConfig(p, patch)
	if err != nil {
		return runpodapi.Pod{}, err
	}
	if _, ok := patch.has["registry"]; ok {
		if err := s.st.checkRegistryRef(next.registry); err != nil {
			return runpodapi.Pod{}, err
		}
	}
	now := s.now()
	p.settle(now)
	st := p.status(now)
	restart := p.holdsCompute(now) && (next.image != p.cfg.image || !next.command.equal(p.cfg.command))
	// A refused pull tries again with the new credential, as the live retries would.
	repull := p.boot != nil && p.boot.denied != "" && !samePtr(next.registry, p.cfg.registry)
	p.cfg = next
	s.mapPorts(p)
	switch {
	case restart:
		// A pod still provisioning starts over; a started one restarts like the restart action.
		from := runpodapi.StatusStarting
		if st == runpodapi.StatusProvisioning {
			from = runpodapi.StatusProvisioning
		}
		p.system(now, "restarting container: image or command changed")
		s.bootPod(p, now, from)
	case repull:
		p.system(now, "retrying image pull: registry credential changed")
		s.bootPod(p, now, st)
	}
	return p.view(now), nil
}

// samePtr reports whether two optional values are both absent or equal.
func samePtr[T comparable](a, b *T) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// patchConfig computes the pod's new config, or the 400/404 that forbids it.
func patchConfig(p *pod, patch podPatch) (podConfig, error) {
	next := cloneConfig(p.cfg)
	if patch.TemplateID != nil {
		t, ok := builtinTemplate(*patch.TemplateID)
		if !ok {
			return podConfig{}, problemf(http.StatusNotFound, "template %q not found", *patch.TemplateID)
		}
		next.image, next.disk, next.ports = t.image, t.disk, slices.Clone(t.ports)
		next.env = maps.Clone(t.env)
		if _, ok := patch.has["env"]; ok {
			maps.Copy(next.env, patch.Env)
		}
	} else if _, ok := patch.has["env"]; ok {
		next.env = maps.Clone(patch.Env)
	}
	setIf(&next.name, patch.Name)
	setIf(&next.image, patch.Image)
	args, command, err := applyCommand(p.cfg.args, p.cfg.command, commandFields{Args: patch.Args, Entrypoint: patch.Entrypoint, Cmd: patch.Cmd})
	if err != nil {
		return podConfig{}, err
	}
	next.args, next.command = args, command
	setIf(&next.disk, patch.Disk)
	setIf(&next.locked, patch.Locked)
	setIf(&next.globalNetworking, patch.GlobalNetworking)
	if _, ok := patch.has["ports"]; ok {
		next.ports = slices.Clone(patch.Ports)
	}
	if raw, ok := patch.has["registry"]; ok {
		var reg *string
		_ = json.Unmarshal(raw, &reg)
		next.registry = reg
	}
	if next.globalNetworking && p.gpu == nil {
		return podConfig{}, problemf(http.StatusBadRequest, "globalNetworking requires an NVIDIA GPU pod")
	}
	if err := checkPorts(next.ports); err != nil {
		return podConfig{}, err
	}
	if _, err := parseSimEnv(next.env); err != nil {
		return podConfig{}, err
	}
	if patch.Mounts != nil {
		mounts, err := patchMounts(p.cfg.mounts, *patch.Mounts, patch.has["mounts"])
		if err != nil {
			return podConfig{}, err
		}
		next.mounts = mounts
	}
	return next, nil
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// patchMounts follows the spec's Mounts PATCH rules: {} changes nothing, the
// kind of mount is fixed at create, a network volumeId is immutable and
// `network: []` cannot clear it.
func patchMounts(cur, req runpodapi.Mounts, raw json.RawMessage) (runpodapi.Mounts, error) {
	var present map[string]json.RawMessage
	_ = json.Unmarshal(raw, &present)
	if _, ok := present["network"]; ok && len(req.Network) == 0 {
		return runpodapi.Mounts{}, problemf(http.StatusBadRequest, "mounts.network cannot be cleared")
	}
	if req.Persistent != nil && len(req.Network) > 0 {
		return runpodapi.Mounts{}, problemf(http.StatusBadRequest, "mounts.persistent and mounts.network are mutually exclusive")
	}
	out := cloneConfig(podConfig{mounts: cur}).mounts
	if req.Persistent != nil {
		if cur.Persistent == nil {
			return runpodapi.Mounts{}, problemf(http.StatusBadRequest, "the mount kind is fixed at create: this pod has no persistent mount")
		}
		out.Persistent = ptr(*req.Persistent)
	}
	if len(req.Network) > 0 {
		if len(cur.Network) == 0 {
			return runpodapi.Mounts{}, problemf(http.StatusBadRequest, "the mount kind is fixed at create: this pod has no network mount")
		}
		if req.Network[0].VolumeID != cur.Network[0].VolumeID {
			return runpodapi.Mounts{}, problemf(http.StatusBadRequest, "mounts.network[0].volumeId is immutable")
		}
		out.Network = slices.Clone(req.Network)
	}
	return out, nil
}
