package simulator

import (
	"maps"
	"slices"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// podConfig is the part of a pod PATCH may change.
type podConfig struct {
	name             string
	image            string
	args             string      // as sent, or the JSON encoding of entrypoint and cmd
	command          execCommand // what args describes (execform.go)
	disk             int
	env              map[string]string
	ports            []string
	registry         *string
	mounts           runpodapi.Mounts
	locked           bool
	globalNetworking bool
}

// pod is the simulator's record of one RunPod pod.
type pod struct {
	id        string
	seq       uint64 // place in creation order (list cursors)
	cfg       podConfig
	gpu       *runpodapi.GpuConfig // exactly one of gpu and cpu is set
	cpu       *runpodapi.CpuConfig
	cloud     runpodapi.Cloud
	dc        string
	cuda      *string
	unitPrice float64 // USD/h per GPU or per vCPU in the pod's cloud
	createdAt time.Time

	publicIP  string      // documentation-range IP the TCP ports are mapped on
	tcpPublic map[int]int // private TCP port → public port
	sshToken  string      // 8 hex digits of the proxy username
	globalIP  string      // global-networking address

	pulled     string              // the image the host holds: a boot of another one pulls first
	boot       *boot               // the current boot; nil once halted
	halted     runpodapi.PodStatus // EXITED or ERROR once the boot is over
	firstRunAt *time.Time          // startedAt, once settled
	log        podLog
}

// resource is the capacity pool the pod draws from and how much of it.
func (p *pod) resource() (id string, units int) {
	if p.gpu != nil {
		return p.gpu.ID, p.gpu.Count
	}
	return p.cpu.ID, p.cpu.VcpuCount
}

// status is the pod status at t.
func (p *pod) status(t time.Time) runpodapi.PodStatus {
	if p.boot == nil {
		return p.halted
	}
	return p.boot.statusAt(t)
}

// holdsCompute reports whether the pod occupies GPUs/vCPUs at t. A stopped
// pod keeps its machine assignment (data center, CUDA version) but, per the
// spec's stop action, releases its compute.
func (p *pod) holdsCompute(t time.Time) bool {
	switch p.status(t) {
	case runpodapi.StatusProvisioning, runpodapi.StatusStarting, runpodapi.StatusRunning:
		return true
	}
	return false
}

// startedAt is when the pod first reached RUNNING, or nil.
func (p *pod) startedAt(t time.Time) *time.Time {
	if p.firstRunAt != nil {
		return p.firstRunAt
	}
	if p.boot != nil && p.boot.denied == "" {
		if run := p.boot.runningAt(); !run.After(t) {
			return &run
		}
	}
	return nil
}

// settle fixes everything the clock has decided by t: startedAt, log events
// and an end of run caused by the simulator-only env vars.
func (p *pod) settle(t time.Time) {
	if p.boot == nil {
		return
	}
	p.firstRunAt = p.startedAt(t)
	p.log.settleBoot(p.boot, t)
	if st := p.boot.statusAt(t); st == runpodapi.StatusExited || st == runpodapi.StatusError {
		p.boot, p.halted = nil, st
	}
}

// system appends a system log line at t; call after settle.
func (p *pod) system(t time.Time, line string) {
	p.log.appendEvent(logEvent{ts: t, source: runpodapi.LogSourceSystem, line: line})
}

// newBoot starts a pass toward RUNNING at t from the given phase, reading the
// command and the simulator-only env vars from the container's env as the
// container would at start; Simulator.bootPod gathers in from the account.
func (p *pod) newBoot(t time.Time, from runpodapi.PodStatus, o Options, in bootInputs) {
	env, err := parseSimEnv(in.env)
	if err != nil {
		env = simEnv{} // validated on create and PATCH; a bad value only disables it
	}
	cfg := p.cfg
	cfg.env = in.env
	prog := newProgram(cfg, p.id, o.LogInterval, env.logLines)
	p.boot = newBootAt(t, from, o, p.cfg.image, prog, env)
	p.boot.denied = in.denied
	p.boot.env, p.boot.ports = in.env, slices.Clone(p.cfg.ports)
	p.halted = ""
}

// stop ends the boot at t as the stop action does. A RUNNING container gets
// SIGTERM: what its program prints then (its TERM handler, the wrapper's
// marker) is logged from t on, a line a millisecond.
func (p *pod) stop(t time.Time) {
	p.settle(t)
	if b := p.boot; b != nil && b.statusAt(t) == runpodapi.StatusRunning {
		for i, line := range b.prog.onTerm(t.Sub(b.runningAt())) {
			p.log.appendEvent(logEvent{ts: t.Add(time.Duration(i) * lineGap), source: runpodapi.LogSourceContainer, line: line})
		}
	}
	p.halt(t, runpodapi.StatusExited, "container stopped")
}

// halt ends the current boot at t with status st (EXITED or ERROR).
func (p *pod) halt(t time.Time, st runpodapi.PodStatus, line string) {
	p.settle(t)
	p.boot, p.halted = nil, st
	p.system(t, line)
}

// actions are the transitions valid in status st, exactly as the spec's
// podAction description lists them.
func actionsFor(st runpodapi.PodStatus) []runpodapi.PodAction {
	switch st {
	case runpodapi.StatusRunning:
		return []runpodapi.PodAction{runpodapi.ActionStop, runpodapi.ActionRestart, runpodapi.ActionTerminate}
	case runpodapi.StatusExited, runpodapi.StatusError:
		return []runpodapi.PodAction{runpodapi.ActionStart, runpodapi.ActionTerminate}
	case runpodapi.StatusProvisioning, runpodapi.StatusStarting:
		return []runpodapi.PodAction{runpodapi.ActionStop, runpodapi.ActionTerminate}
	}
	return []runpodapi.PodAction{}
}

// cloneConfig deep-copies c so views never alias the record.
func cloneConfig(c podConfig) podConfig {
	c.env = maps.Clone(c.env)
	c.command = c.command.clone()
	c.ports = slices.Clone(c.ports)
	if c.mounts.Persistent != nil {
		c.mounts.Persistent = ptr(*c.mounts.Persistent)
	}
	c.mounts.Network = slices.Clone(c.mounts.Network)
	if c.registry != nil {
		c.registry = ptr(*c.registry)
	}
	return c
}
