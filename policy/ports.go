package policy

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// AnnotationPorts lists the ports to expose, e.g. `8080/http,22/tcp`; it
// replaces detection from the container's ports entirely.
const AnnotationPorts = "runpod.io/ports"

// httpPorts are served through RunPod's HTTPS proxy; every other port is raw TCP.
func isHTTPPort(p int32) bool {
	switch p {
	case 80, 443, 3000, 5000, 8000, 8080, 8888, 9000:
		return true
	}
	return false
}

// portSpec is one v2 `ports` entry: `8080/http` or `22/tcp`.
func portSpec(p int32) string {
	if isHTTPPort(p) {
		return fmt.Sprintf("%d/http", p)
	}
	return fmt.Sprintf("%d/tcp", p)
}

// parsePortsAnnotation accepts `port/http`, `port/tcp`, or a bare port (mapped
// like a container port). Protocols are case-insensitive; a port may appear once.
func parsePortsAnnotation(v string, a *Annotations) string {
	items := splitList(v)
	if len(items) == 0 {
		return fmt.Sprintf("%q lists no ports; write e.g. 8080/http,22/tcp", v)
	}
	var out []string
	seen := map[int32]string{}
	for _, item := range items {
		num, proto, hasProto := strings.Cut(item, "/")
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 32)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("%q is not a port number from 1 to 65535", item)
		}
		port := int32(n)
		spec := portSpec(port)
		if hasProto {
			switch p := strings.ToLower(strings.TrimSpace(proto)); p {
			case "http", "tcp":
				spec = fmt.Sprintf("%d/%s", port, p)
			case "udp", "sctp":
				return fmt.Sprintf("%q: RunPod exposes TCP ports only", item)
			default:
				return fmt.Sprintf("%q: protocol must be http or tcp", item)
			}
		}
		if prev, dup := seen[port]; dup {
			if prev != spec {
				return fmt.Sprintf("port %d is listed as both %s and %s", port, prev, spec)
			}
			continue
		}
		seen[port] = spec
		out = append(out, spec)
	}
	a.Ports = out
	return ""
}

// containerPorts maps the container's declared ports to v2 `ports`, in order,
// each port once. UDP and SCTP ports are refused: RunPod cannot expose them.
func containerPorts(c *corev1.Container) ([]string, error) {
	var out []string
	seen := map[int32]bool{}
	for _, p := range c.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		if proto != corev1.ProtocolTCP {
			return nil, refused(fmt.Sprintf("port %d/%s", p.ContainerPort, proto),
				fmt.Sprintf("RunPod exposes TCP ports only (container %q); remove the port or set %s", c.Name, AnnotationPorts))
		}
		if p.ContainerPort < 1 || p.ContainerPort > 65535 || seen[p.ContainerPort] {
			continue
		}
		seen[p.ContainerPort] = true
		out = append(out, portSpec(p.ContainerPort))
	}
	return out, nil
}

// podPorts is the annotation's list when set, else the container's ports.
func podPorts(c *corev1.Container, a *Annotations) ([]string, error) {
	if a.Ports != nil {
		return append([]string(nil), a.Ports...), nil
	}
	return containerPorts(c)
}
