package policy

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
)

// PullLogin is one registry's entry of a pod's imagePullSecrets.
type PullLogin struct {
	Username, Password, IdentityToken string
	Secret                            *corev1.Secret // the pull secret it came from
}

// String keeps the password out of logs.
func (l PullLogin) String() string {
	return "pull login " + l.Username + " from Secret " + l.Secret.Name
}

// PullLogins reads the pod's imagePullSecrets (kubernetes.io/dockerconfigjson
// or dockercfg) as registry host → login; like a kubelet, a missing Secret
// is skipped and the first Secret naming a host wins.
func PullLogins(pod *corev1.Pod, src Sources) map[string]PullLogin {
	out := map[string]PullLogin{}
	if src == nil {
		return out
	}
	for _, ref := range pod.Spec.ImagePullSecrets {
		s, err := src.Secret(pod.Namespace, ref.Name)
		if err != nil {
			continue
		}
		for host, l := range dockerLogins(s) {
			if _, seen := out[host]; !seen {
				out[host] = l
			}
		}
	}
	return out
}

// dockerLogins reads one docker config Secret.
func dockerLogins(s *corev1.Secret) map[string]PullLogin {
	type entry struct {
		Username, Password, Auth, IdentityToken string
	}
	var cfg map[string]entry
	switch s.Type {
	case corev1.SecretTypeDockerConfigJson:
		var wrapped struct {
			Auths map[string]entry `json:"auths"`
		}
		if json.Unmarshal(s.Data[corev1.DockerConfigJsonKey], &wrapped) != nil {
			return nil
		}
		cfg = wrapped.Auths
	case corev1.SecretTypeDockercfg:
		if json.Unmarshal(s.Data[corev1.DockerConfigKey], &cfg) != nil {
			return nil
		}
	}
	out := map[string]PullLogin{}
	for host, e := range cfg {
		l := PullLogin{Username: e.Username, Password: e.Password, IdentityToken: e.IdentityToken, Secret: s}
		if e.Auth != "" && l.Username == "" {
			if raw, err := base64.StdEncoding.DecodeString(e.Auth); err == nil {
				l.Username, l.Password, _ = strings.Cut(string(raw), ":")
			}
		}
		out[RegistryHost(host)] = l
	}
	return out
}

// RegistryHost is a docker config key as a registry host:
// "https://index.docker.io/v1/" → "index.docker.io".
func RegistryHost(k string) string {
	k = strings.TrimPrefix(strings.TrimPrefix(k, "https://"), "http://")
	k, _, _ = strings.Cut(k, "/")
	if k == "docker.io" || k == "registry-1.docker.io" {
		return name.DefaultRegistry
	}
	return k
}

// ImageRegistry is the registry host an image is pulled from, "" when the
// reference does not parse.
func ImageRegistry(image string) string {
	ref, err := name.ParseReference(image)
	if err != nil {
		return ""
	}
	return ref.Context().RegistryStr()
}
