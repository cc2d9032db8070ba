package podsync

import (
	"strconv"
	"strings"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// PortsReady reports whether every `/tcp` port in rp.Ports has a public
// mapping (public port and ip) in rp.Runtime.Ports. HTTP ports go through
// RunPod's proxy and need no mapping; an unparsable entry is ignored; a nil
// pod is not ready.
func PortsReady(rp *runpodapi.Pod) bool {
	if rp == nil {
		return false
	}
	for _, spec := range rp.Ports {
		num, ok := strings.CutSuffix(spec, "/tcp")
		if !ok {
			continue
		}
		port, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		if !tcpPortMapped(rp.Runtime, port) {
			return false
		}
	}
	return true
}

// tcpPortMapped reports whether rt maps private TCP port to a public port and IP.
func tcpPortMapped(rt *runpodapi.PodRuntime, port int) bool {
	if rt == nil {
		return false
	}
	for _, m := range rt.Ports {
		if m.Private == port && strings.EqualFold(m.Type, "tcp") && m.Public != nil && *m.Public > 0 && m.IP != nil && *m.IP != "" {
			return true
		}
	}
	return false
}

// PublicIP returns the first public IP in rp.Runtime.Ports, or "".
func PublicIP(rp *runpodapi.Pod) string {
	if rp == nil || rp.Runtime == nil {
		return ""
	}
	for _, m := range rp.Runtime.Ports {
		if m.IP != nil && *m.IP != "" {
			return *m.IP
		}
	}
	return ""
}

// placementMessage says where a starting RunPod pod is, e.g. "RunPod pod
// 7h9k2m4n6p is PROVISIONING on NVIDIA GeForce RTX 4090 in US-TX-3".
