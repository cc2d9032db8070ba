package policy

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// serviceLinkEnv returns the Docker-link variables the pod controller merged
// into the container's env, name → value. It mirrors virtual-kubelet v1.14.1
// internal/podutils (getServiceEnvVarMap, FromServices): the `kubernetes`
// Service of `default` always; Services of the pod's namespace when
// enableServiceLinks is nil or true; only Services with a cluster IP.
func serviceLinkEnv(pod *corev1.Pod, services []corev1.Service) map[string]string {
	links := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	byName := map[string]*corev1.Service{}
	for i := range services {
		s := &services[i]
		if s.Spec.ClusterIP == "" || s.Spec.ClusterIP == corev1.ClusterIPNone || len(s.Spec.Ports) == 0 {
			continue
		}
		switch {
		case s.Namespace == metav1.NamespaceDefault && s.Name == "kubernetes":
			if _, seen := byName[s.Name]; !seen {
				byName[s.Name] = s
			}
		case s.Namespace == pod.Namespace && links:
			byName[s.Name] = s
		}
	}
	env := map[string]string{}
	for _, s := range byName {
		addServiceVars(env, s)
	}
	return env
}

// addServiceVars adds one Service's variables, as FromServices names them.
func addServiceVars(env map[string]string, s *corev1.Service) {
	prefix := strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_"))
	ip := s.Spec.ClusterIP
	env[prefix+"_SERVICE_HOST"] = ip
	env[prefix+"_SERVICE_PORT"] = strconv.Itoa(int(s.Spec.Ports[0].Port))
	for i, sp := range s.Spec.Ports {
		if sp.Name != "" {
			env[prefix+"_SERVICE_PORT_"+strings.ToUpper(strings.ReplaceAll(sp.Name, "-", "_"))] = strconv.Itoa(int(sp.Port))
		}
		proto := string(sp.Protocol)
		if proto == "" {
			proto = string(corev1.ProtocolTCP)
		}
		url := fmt.Sprintf("%s://%s", strings.ToLower(proto), net.JoinHostPort(ip, strconv.Itoa(int(sp.Port))))
		if i == 0 {
			env[prefix+"_PORT"] = url
		}
		pp := fmt.Sprintf("%s_PORT_%d_%s", prefix, sp.Port, strings.ToUpper(proto))
		env[pp] = url
		env[pp+"_PROTO"] = strings.ToLower(proto)
		env[pp+"_PORT"] = strconv.Itoa(int(sp.Port))
		env[pp+"_ADDR"] = ip
	}
}

// declaredEnvNames are the env names the user wrote on the named container of
// the pod as stored in the API server (nil stored pod: none known).
func declaredEnvNames(stored *corev1.Pod, container string) map[string]bool {
	names := map[string]bool{}
	if stored == nil {
		return names
	}
	for _, c := range stored.Spec.Containers {
		if c.Name != container {
			continue
		}
		for _, e := range c.Env {
			names[e.Name] = true
		}
	}
	return names
}
