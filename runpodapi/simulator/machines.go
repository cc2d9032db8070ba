package simulator

import "maps"

// MachineSpec is what one GPU type's host machines give each GPU: the
// minVcpuCountPerGpu and minRamPerGpu filters of a create compare against
// it, and a pod's gpu block reports count times it.
type MachineSpec struct {
	VcpuPerGpu int `json:"vcpuPerGpu"` // host vCPUs per GPU
	RamPerGpu  int `json:"ramPerGpu"`  // GB of host RAM per GPU
}

// Default machine shapes per GPU (doc.go has the table): consumer and
// workstation cards sit in smaller hosts than data-center cards.
var (
	consumerMachine   = MachineSpec{VcpuPerGpu: 8, RamPerGpu: 62}
	datacenterMachine = MachineSpec{VcpuPerGpu: 16, RamPerGpu: 125}
	hopperSXMMachine  = MachineSpec{VcpuPerGpu: 24, RamPerGpu: 251}
)

// DefaultMachines is the machine of every built-in GPU type, by type id.
func DefaultMachines() map[string]MachineSpec {
	return map[string]MachineSpec{
		"NVIDIA GeForce RTX 3090": consumerMachine,
		"NVIDIA GeForce RTX 4090": consumerMachine,
		"NVIDIA RTX A5000":        consumerMachine,
		"NVIDIA RTX A6000":        consumerMachine,
		"NVIDIA L40S":             datacenterMachine,
		"NVIDIA A100 80GB PCIe":   datacenterMachine,
		"NVIDIA A100-SXM4-80GB":   datacenterMachine,
		"NVIDIA H100 PCIe":        datacenterMachine,
		"NVIDIA H100 80GB HBM3":   hopperSXMMachine,
	}
}

// machines are the host shapes: per GPU type, with per-data-center
// overrides a test may set.
type machines struct {
	byType map[string]MachineSpec
	byPool map[capKey]MachineSpec
}

// newMachines starts from DefaultMachines with the Options' overrides.
func newMachines(overrides map[string]MachineSpec) machines {
	m := machines{byType: DefaultMachines(), byPool: map[capKey]MachineSpec{}}
	maps.Copy(m.byType, overrides)
	return m
}

// spec is the machine of gpuTypeID in dc; the zero MachineSpec when unknown.
func (m machines) spec(gpuTypeID, dc string) MachineSpec {
	if s, ok := m.byPool[capKey{gpuTypeID, dc}]; ok {
		return s
	}
	return m.byType[gpuTypeID]
}

// set changes the machine of gpuTypeID in dc, or in every data center when dc is "".
func (m machines) set(gpuTypeID, dc string, s MachineSpec) {
	if dc != "" {
		m.byPool[capKey{gpuTypeID, dc}] = s
		return
	}
	m.byType[gpuTypeID] = s
	maps.DeleteFunc(m.byPool, func(k capKey, _ MachineSpec) bool { return k.resource == gpuTypeID })
}

// satisfies applies a create's machine filters (0 = no filter).
func (s MachineSpec) satisfies(minVcpu, minRam int) bool {
	return s.VcpuPerGpu >= minVcpu && s.RamPerGpu >= minRam
}

// SetMachine sets the host machine of a GPU type in a data center, or in
// every data center when dataCenterID is "". Pods placed before keep what
// they were given; later creates filter and report with the new shape.
func (s *Simulator) SetMachine(gpuTypeID, dataCenterID string, m MachineSpec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.machines.set(gpuTypeID, dataCenterID, m)
}

// Machine is the host machine of a GPU type in a data center.
func (s *Simulator) Machine(gpuTypeID, dataCenterID string) MachineSpec {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.machines.spec(gpuTypeID, dataCenterID)
}
