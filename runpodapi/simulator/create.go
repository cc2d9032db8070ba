package simulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// createPod validates a create body exactly like POST /v2/pods and, when
// there is capacity, makes the pod. Errors are *Problem.
func (s *Simulator) createPod(raw []byte) (runpodapi.Pod, error) {
	if err := validateJSON(raw, s.schemas.create, s.schemas.doc); err != nil {
		return runpodapi.Pod{}, err
	}
	var req runpodapi.CreatePodRequest
	if err := decodeStrict(raw, &req); err != nil {
		return runpodapi.Pod{}, err
	}
	if (req.Gpu == nil) == (req.Cpu == nil) {
		return runpodapi.Pod{}, errInvalid("$: exactly one of 'gpu' or 'cpu' must be set")
	}
	fields, err := decodeCommandFields(raw)
	if err != nil {
		return runpodapi.Pod{}, err
	}
	args, command, err := applyCommand("", execCommand{}, fields)
	if err != nil {
		return runpodapi.Pod{}, err
	}
	if err := applyTemplate(&req); err != nil {
		return runpodapi.Pod{}, err
	}
	plan, err := planCreate(&s.st.cat, &req)
	if err != nil {
		return runpodapi.Pod{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Registry != "" {
		if err := s.st.checkRegistryRef(&req.Registry); err != nil {
			return runpodapi.Pod{}, err
		}
	}
	now := s.now()
	dc, ok := s.place(plan, held(s.st.order, now))
	if !ok {
		return runpodapi.Pod{}, errNoCapacity()
	}
	p := s.newPod(&req, plan, dc)
	p.cfg.args, p.cfg.command = args, command
	p.createdAt = now
	p.system(now, fmt.Sprintf("pod created in %s: %d x %s", dc.ID, plan.units, plan.resource))
	s.bootPod(p, now, runpodapi.StatusProvisioning)
	s.st.add(p)
	return p.view(now), nil
}

// Seed creates a pod directly (no HTTP, no quota, no faults) with the same
// validation and capacity rules as POST /v2/pods.
func (s *Simulator) Seed(req runpodapi.CreatePodRequest) (runpodapi.Pod, error) {
	raw, err := json.Marshal(req)
	if err != nil {
		return runpodapi.Pod{}, fmt.Errorf("seed pod %q: %w", req.Name, err)
	}
	p, err := s.createPod(raw)
	if err != nil {
		return runpodapi.Pod{}, fmt.Errorf("seed pod %q: %w", req.Name, err)
	}
	return p, nil
}

// applyTemplate resolves templateId into the body: body fields win, env
// merges per key, CPU pods do not inherit the persistent mount; the merged
// request must still fit runpodapi.MaxRequestBytes.
func applyTemplate(req *runpodapi.CreatePodRequest) error {
	if req.TemplateID == "" {
		return nil
	}
	t, ok := builtinTemplate(req.TemplateID)
	if !ok {
		return problemf(http.StatusNotFound, "template %q not found", req.TemplateID)
	}
	if req.Image == "" {
		req.Image = t.image
	}
	if req.Disk == 0 {
		req.Disk = t.disk
	}
	if req.Ports == nil {
		req.Ports = slices.Clone(t.ports)
	}
	env := maps.Clone(t.env)
	maps.Copy(env, req.Env)
	req.Env = env
	if req.Mounts == nil && req.Gpu != nil && t.mount != nil {
		req.Mounts = &runpodapi.Mounts{Persistent: ptr(*t.mount)}
	}
	// The live API bounds the request with the template merged in too (API-NOTES).
	if merged, err := json.Marshal(req); err == nil && len(merged) > runpodapi.MaxRequestBytes {
		return errTooLarge()
	}
	return nil
}

// newPod builds the record of a pod placed in dc; the lock is held.
func (s *Simulator) newPod(req *runpodapi.CreatePodRequest, plan createPlan, dc dataCenter) *pod {
	id := s.dice.podID()
	for s.st.pods[id] != nil {
		id = s.dice.podID()
	}
	env := maps.Clone(req.Env)
	if env == nil {
		env = map[string]string{}
	}
	s.st.injectPublicKey(env, req.StartSsh)
	if req.StartJupyter && env["JUPYTER_PASSWORD"] == "" {
		env["JUPYTER_PASSWORD"] = s.dice.hex(16)
	}
	disk := req.Disk
	if disk == 0 {
		disk = defaultDisk
	}
	p := &pod{
		id: id, cloud: plan.cloud, dc: dc.ID, unitPrice: plan.unitPrice,
		cfg: podConfig{
			name: req.Name, image: req.Image, disk: disk, env: env,
			ports: slices.Clone(req.Ports), globalNetworking: req.GlobalNetworking,
		},
		publicIP: publicIP(id), globalIP: globalIP(id), sshToken: s.dice.hex(8),
		tcpPublic: map[int]int{},
	}
	if req.Registry != "" {
		p.cfg.registry = ptr(req.Registry)
	}
	if req.Mounts != nil {
		p.cfg.mounts = cloneConfig(podConfig{mounts: *req.Mounts}).mounts
	}
	if req.Gpu != nil {
		m := s.st.machines.spec(plan.resource, dc.ID)
		p.gpu = &runpodapi.GpuConfig{ID: plan.resource, Count: plan.units, VcpuCount: plan.units * m.VcpuPerGpu, Memory: plan.units * m.RamPerGpu}
		p.cuda = ptr(dc.cudaVersion)
	} else {
		p.cpu = &runpodapi.CpuConfig{ID: plan.resource, VcpuCount: plan.units, Memory: plan.units * s.st.cat.cpu.ramGbPerVcpu}
	}
	s.mapPorts(p)
	return p
}

// defaultDisk is the container disk in GB when a create does not say.
const defaultDisk = 20

// mapPorts gives every TCP port without a mapping a public port in
// 10000–59999, unique within the pod.
func (s *Simulator) mapPorts(p *pod) {
	used := map[int]bool{}
	for _, pub := range p.tcpPublic {
		used[pub] = true
	}
	for _, spec := range p.cfg.ports {
		port, proto, ok := parsePort(spec)
		if !ok || proto != "tcp" || p.tcpPublic[port] != 0 {
			continue
		}
		pub := 10000 + s.dice.intN(50000)
		for used[pub] {
			pub = 10000 + s.dice.intN(50000)
		}
		used[pub] = true
		p.tcpPublic[port] = pub
	}
}

// place picks the data center: the first of the requested ones with room,
// or, when none were named, the one with the most free units (catalog order
// breaks ties). The lock is held.
func (s *Simulator) place(plan createPlan, held map[capKey]int) (dataCenter, bool) {
	var best dataCenter
	bestFree := -1
	for _, dc := range s.candidateDCs(plan) {
		k := capKey{plan.resource, dc.ID}
		if !s.st.cap.offered(k) || !plan.fits(dc) || !s.st.machines.spec(plan.resource, dc.ID).satisfies(plan.minVcpuPerGpu, plan.minRamPerGpu) {
			continue
		}
		free := s.st.cap.free(k, held)
		if free < plan.units {
			continue
		}
		if len(plan.dataCenterIDs) > 0 {
			return dc, true
		}
		if free > bestFree {
			best, bestFree = dc, free
		}
	}
	return best, bestFree >= 0
}

func (s *Simulator) candidateDCs(plan createPlan) []dataCenter {
	if len(plan.dataCenterIDs) == 0 {
		return s.st.cat.dcs
	}
	out := make([]dataCenter, 0, len(plan.dataCenterIDs))
	for _, id := range plan.dataCenterIDs {
		if dc, ok := s.st.cat.dc(id); ok {
			out = append(out, dc)
		}
	}
	return out
}
