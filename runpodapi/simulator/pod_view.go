package simulator

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// view renders the pod as the API returns it at t. Every required field of
// the spec's Pod schema is present: arrays are [] and maps {} when empty.
func (p *pod) view(t time.Time) runpodapi.Pod {
	st := p.status(t)
	cfg := cloneConfig(p.cfg)
	if cfg.env == nil {
		cfg.env = map[string]string{}
	}
	if cfg.ports == nil {
		cfg.ports = []string{}
	}
	out := runpodapi.Pod{
		ID: p.id, Name: cfg.name, Status: st, Actions: actionsFor(st),
		Image: cfg.image, Args: cfg.args, Entrypoint: cfg.command.entrypoint, Cmd: cfg.command.cmd,
		Disk: cfg.disk, Mounts: cfg.mounts,
		Ports: cfg.ports, Env: cfg.env, Registry: cfg.registry,
		Cloud: p.cloud, DataCenterID: ptr(p.dc), Cost: p.cost(st),
		Locked: cfg.locked, CreatedAt: p.createdAt, StartedAt: p.startedAt(t),
		GlobalNetworking: runpodapi.PodGlobalNetworking{Enabled: cfg.globalNetworking},
		Ssh:              runpodapi.PodSsh{Proxy: p.sshProxy()},
	}
	if p.cuda != nil {
		out.CudaVersion = ptr(*p.cuda)
	}
	if p.gpu != nil {
		out.Gpu = ptr(*p.gpu)
	} else {
		out.Cpu = ptr(*p.cpu)
	}
	if cfg.globalNetworking {
		out.GlobalNetworking.IP = p.globalIP
		out.GlobalNetworking.InternalDNS = p.id + ".runpod.internal"
	}
	if st == runpodapi.StatusRunning {
		out.Runtime = p.runtime(t, cfg.ports)
		out.Ssh.Direct = p.sshDirect(cfg.ports)
	}
	return out
}

// cost is the hourly rate billed now: compute is only billed while held.
func (p *pod) cost(st runpodapi.PodStatus) float64 {
	switch st {
	case runpodapi.StatusProvisioning, runpodapi.StatusStarting, runpodapi.StatusRunning:
		_, units := p.resource()
		return math.Round(p.unitPrice*float64(units)*1e4) / 1e4
	}
	return 0
}

// sshProxy is set once the pod has a machine assignment, which the simulator
// makes at create (the spec's create example shows it while PROVISIONING).
func (p *pod) sshProxy() *runpodapi.PodSshEndpoint {
	user := p.id + "-" + p.sshToken
	return &runpodapi.PodSshEndpoint{Host: "ssh.runpod.io", Port: 22, Username: user, Command: "ssh " + user + "@ssh.runpod.io"}
}

// sshDirect needs 22/tcp in ports and a running pod with its public mapping.
// It names the boot's real SSH listener (ssh_hub.go), which is on loopback,
// not on the fake public IP; without one (no descriptor left) it names the
// fake mapping.
func (p *pod) sshDirect(ports []string) *runpodapi.PodSshEndpoint {
	if !servesSSH(ports) {
		return nil
	}
	host, port := p.publicIP, p.tcpPublic[22]
	if p.boot != nil && p.boot.sshPort != 0 {
		host, port = sshHost, p.boot.sshPort
	}
	return &runpodapi.PodSshEndpoint{Host: host, Port: port, Username: "root", Command: sshCommand(host, port)}
}

// runtime is the live block of a RUNNING pod: utilization that drifts
// deterministically with uptime, and one mapping per exposed port.
func (p *pod) runtime(t time.Time, ports []string) *runpodapi.PodRuntime {
	uptime := int(t.Sub(p.boot.runningAt()) / time.Second)
	tick := strconv.Itoa(uptime / 10)
	util := func(salt string, lo int) int { return lo + int(hash32(p.id, salt, tick)%uint32(100-lo)) }
	rt := &runpodapi.PodRuntime{
		Uptime: uptime,
		Cpu:    &runpodapi.Utilization{Util: util("cpu", 5)},
		Memory: &runpodapi.Utilization{Util: util("mem", 20)},
	}
	if p.gpu != nil {
		rt.Gpus = make([]runpodapi.PodGpuUtilization, p.gpu.Count)
		for i := range rt.Gpus {
			n := strconv.Itoa(i)
			rt.Gpus[i] = runpodapi.PodGpuUtilization{Util: util("gpu"+n, 40), MemoryUtil: util("vram"+n, 30)}
		}
	}
	for _, spec := range ports {
		port, proto, ok := parsePort(spec)
		if !ok {
			continue
		}
		m := runpodapi.PodRuntimePort{Private: port, Type: proto}
		if proto == "tcp" {
			m.Public, m.IP = ptr(p.tcpPublic[port]), ptr(p.publicIP)
		}
		rt.Ports = append(rt.Ports, m)
	}
	return rt
}

// parsePort splits "8888/http" or "22/tcp".
func parsePort(spec string) (port int, proto string, ok bool) {
	num, proto, found := strings.Cut(spec, "/")
	if !found || (proto != "tcp" && proto != "http") {
		return 0, "", false
	}
	port, err := strconv.Atoi(num)
	if err != nil || port < 1 || port > 65535 || strconv.Itoa(port) != num {
		return 0, "", false
	}
	return port, proto, true
}

// ProxyURL is where RunPod's HTTP proxy serves an /http port of a pod.
func ProxyURL(podID string, port int) string {
	return fmt.Sprintf("https://%s-%d.proxy.runpod.net", podID, port)
}
