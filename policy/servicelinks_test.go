package policy

import (
	"maps"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func service(ns, name, ip string, ports ...corev1.ServicePort) corev1.Service {
	return corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{ClusterIP: ip, Ports: ports},
	}
}

// kubernetesLinks are the variables of default/kubernetes at 10.96.0.1:443 "https".
func kubernetesLinks() map[string]string {
	return map[string]string{
		"KUBERNETES_SERVICE_HOST":       "10.96.0.1",
		"KUBERNETES_SERVICE_PORT":       "443",
		"KUBERNETES_SERVICE_PORT_HTTPS": "443",
		"KUBERNETES_PORT":               "tcp://10.96.0.1:443",
		"KUBERNETES_PORT_443_TCP":       "tcp://10.96.0.1:443",
		"KUBERNETES_PORT_443_TCP_PROTO": "tcp",
		"KUBERNETES_PORT_443_TCP_PORT":  "443",
		"KUBERNETES_PORT_443_TCP_ADDR":  "10.96.0.1",
	}
}

func testServices() []corev1.Service {
	return []corev1.Service{
		service("default", "kubernetes", "10.96.0.1", corev1.ServicePort{Name: "https", Port: 443}),
		service("ml", "redis-master", "10.0.0.11", corev1.ServicePort{Name: "redis", Port: 6379}),
		service("ml", "headless", corev1.ClusterIPNone, corev1.ServicePort{Port: 80}),
		service("ml", "pending", "", corev1.ServicePort{Port: 80}),
		service("web", "frontend", "10.0.0.12", corev1.ServicePort{Port: 80}),
	}
}

func TestServiceLinkEnv(t *testing.T) {
	redis := map[string]string{
		"REDIS_MASTER_SERVICE_HOST":        "10.0.0.11",
		"REDIS_MASTER_SERVICE_PORT":        "6379",
		"REDIS_MASTER_SERVICE_PORT_REDIS":  "6379",
		"REDIS_MASTER_PORT":                "tcp://10.0.0.11:6379",
		"REDIS_MASTER_PORT_6379_TCP":       "tcp://10.0.0.11:6379",
		"REDIS_MASTER_PORT_6379_TCP_PROTO": "tcp",
		"REDIS_MASTER_PORT_6379_TCP_PORT":  "6379",
		"REDIS_MASTER_PORT_6379_TCP_ADDR":  "10.0.0.11",
	}
	both := kubernetesLinks()
	maps.Copy(both, redis)
	off := false
	on := true
	tests := []struct {
		name     string
		ns       string
		links    *bool
		services []corev1.Service
		want     map[string]string
	}{
		{name: "no services", ns: "ml", want: map[string]string{}},
		{name: "links default on", ns: "ml", services: testServices(), want: both},
		{name: "links on", ns: "ml", links: &on, services: testServices(), want: both},
		{name: "links off keeps the master service", ns: "ml", links: &off, services: testServices(), want: kubernetesLinks()},
		{name: "other namespace sees only its services", ns: "other", services: testServices(), want: kubernetesLinks()},
		{name: "multi-port, unnamed first, UDP, IPv6", ns: "ml", services: []corev1.Service{
			service("ml", "dns", "fd00::a", corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolUDP}, corev1.ServicePort{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP}),
		}, want: map[string]string{
			"DNS_SERVICE_HOST":         "fd00::a",
			"DNS_SERVICE_PORT":         "53",
			"DNS_SERVICE_PORT_DNS_TCP": "53",
			"DNS_PORT":                 "udp://[fd00::a]:53",
			"DNS_PORT_53_UDP":          "udp://[fd00::a]:53",
			"DNS_PORT_53_UDP_PROTO":    "udp",
			"DNS_PORT_53_UDP_PORT":     "53",
			"DNS_PORT_53_UDP_ADDR":     "fd00::a",
			"DNS_PORT_53_TCP":          "tcp://[fd00::a]:53",
			"DNS_PORT_53_TCP_PROTO":    "tcp",
			"DNS_PORT_53_TCP_PORT":     "53",
			"DNS_PORT_53_TCP_ADDR":     "fd00::a",
		}},
		{name: "a kubernetes service in the pod's namespace wins", ns: "ml", services: []corev1.Service{
			service("ml", "kubernetes", "10.0.0.99", corev1.ServicePort{Port: 80}),
			service("default", "kubernetes", "10.96.0.1", corev1.ServicePort{Name: "https", Port: 443}),
		}, want: map[string]string{
			"KUBERNETES_SERVICE_HOST":      "10.0.0.99",
			"KUBERNETES_SERVICE_PORT":      "80",
			"KUBERNETES_PORT":              "tcp://10.0.0.99:80",
			"KUBERNETES_PORT_80_TCP":       "tcp://10.0.0.99:80",
			"KUBERNETES_PORT_80_TCP_PROTO": "tcp",
			"KUBERNETES_PORT_80_TCP_PORT":  "80",
			"KUBERNETES_PORT_80_TCP_ADDR":  "10.0.0.99",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: tt.ns}, Spec: corev1.PodSpec{EnableServiceLinks: tt.links}}
			got := serviceLinkEnv(pod, tt.services)
			if !maps.Equal(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}
