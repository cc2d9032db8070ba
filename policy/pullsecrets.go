package policy

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
)

// PullLogin is one entry of a pod's imagePullSecrets: a registry host and,
// when the docker config key names one, a repository path under it.
type PullLogin struct {
	Host, Path                        string // "ghcr.io", "acme" (path "" = the whole registry)
	Username, Password, IdentityToken string
	Secret                            *corev1.Secret // the pull secret it came from
}

// String keeps the password out of logs.
func (l PullLogin) String() string {
	return "pull login " + l.Username + " from Secret " + l.Secret.Name
}

// PullLogins are the pod's imagePullSecrets entries (dockerconfigjson or
// dockercfg), in Secret order; like a kubelet, a missing Secret is skipped.
func PullLogins(pod *corev1.Pod, src Sources) PullLoginList {
	var out PullLoginList
	if src == nil {
		return out
	}
	for _, ref := range pod.Spec.ImagePullSecrets {
		s, err := src.Secret(pod.Namespace, ref.Name)
		if err != nil {
			continue
		}
		out = append(out, dockerLogins(s)...)
	}
	return out
}

// PullLoginList is a pod's logins in Secret order.
type PullLoginList []PullLogin

// For picks the login for a repository ("host/path/name"), as the kubelet
// does: the entry whose host matches and whose path is the longest prefix
// of the repository's path; the first Secret wins a tie.
func (ls PullLoginList) For(repository string) (PullLogin, bool) {
	host, path, _ := strings.Cut(repository, "/")
	host = RegistryHost(host)
	best, found := PullLogin{}, false
	for _, l := range ls {
		if l.Host != host || l.Path != "" && path != l.Path && !strings.HasPrefix(path, l.Path+"/") {
			continue
		}
		if !found || len(l.Path) > len(best.Path) {
			best, found = l, true
		}
	}
	return best, found
}

// dockerLogins reads one docker config Secret, keys sorted for a stable order.
func dockerLogins(s *corev1.Secret) []PullLogin {
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
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]PullLogin, 0, len(keys))
	for _, key := range keys {
		e := cfg[key]
		host, path := configKey(key)
		l := PullLogin{Host: host, Path: path, Username: e.Username, Password: e.Password, IdentityToken: e.IdentityToken, Secret: s}
		if e.Auth != "" && l.Username == "" {
			if raw, err := base64.StdEncoding.DecodeString(e.Auth); err == nil {
				l.Username, l.Password, _ = strings.Cut(string(raw), ":")
			}
		}
		out = append(out, l)
	}
	return out
}

// configKey splits a docker config key into a registry host and a path:
// "https://index.docker.io/v1/" → ("index.docker.io", ""), "ghcr.io/acme" → ("ghcr.io", "acme").
func configKey(k string) (host, path string) {
	k = strings.TrimPrefix(strings.TrimPrefix(k, "https://"), "http://")
	host, path, _ = strings.Cut(strings.TrimSuffix(k, "/"), "/")
	host = RegistryHost(host)
	if host == name.DefaultRegistry && (path == "v1" || path == "v2") {
		path = "" // the Docker Hub index URL names the whole registry
	}
	return host, path
}

// RegistryHost is a registry host as go-containerregistry names it:
// docker.io and registry-1.docker.io are index.docker.io.
func RegistryHost(host string) string {
	if host == "docker.io" || host == "registry-1.docker.io" {
		return name.DefaultRegistry
	}
	return host
}

// ImageRepository is the repository an image is pulled from,
// "index.docker.io/library/busybox"; "" when the reference does not parse.
func ImageRepository(image string) string {
	ref, err := name.ParseReference(image)
	if err != nil {
		return ""
	}
	return ref.Context().String()
}
