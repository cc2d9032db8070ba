package podsync

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
)

// imageConfigs reads what an image runs by default (the OCI config's
// Entrypoint and Cmd) from its registry, with the pod's imagePullSecrets as
// credentials, for pods that set no command: the exit-status wrapper needs
// the whole command line. Answers are cached for imageConfigTTL per image
// and credentials.
type imageConfigs struct {
	clock   clock.PassiveClock
	options []remote.Option // tests add a transport

	mu    sync.Mutex
	cache map[string]imageEntry
}

type imageEntry struct {
	at  time.Time
	cfg *policy.ImageConfig
	err error
}

const imageConfigTTL = 10 * time.Minute

func newImageConfigs(clk clock.PassiveClock) *imageConfigs {
	return &imageConfigs{clock: clk, cache: map[string]imageEntry{}}
}

// get returns the image's config, or an error saying why it could not be read.
func (c *imageConfigs) get(ctx context.Context, pod *corev1.Pod, image string, secrets secretGetter) (*policy.ImageConfig, error) {
	keychain, credKey := keychainOf(pod, secrets)
	key := image + "\x00" + credKey
	c.mu.Lock()
	e, ok := c.cache[key]
	c.mu.Unlock()
	if ok && c.clock.Since(e.at) < imageConfigTTL {
		return e.cfg, e.err
	}
	e = imageEntry{at: c.clock.Now()}
	e.cfg, e.err = c.read(ctx, image, keychain)
	c.mu.Lock()
	c.cache[key] = e
	c.mu.Unlock()
	return e.cfg, e.err
}

func (c *imageConfigs) read(ctx context.Context, image string, keychain authn.Keychain) (*policy.ImageConfig, error) {
	ref, err := name.ParseReference(image)
	if err != nil {
		return nil, fmt.Errorf("image %q is not a valid reference: %w", image, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	opts := append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(keychain)}, c.options...)
	img, err := remote.Image(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("read image %s from its registry: %w", image, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read the config of image %s: %w", image, err)
	}
	return &policy.ImageConfig{Entrypoint: cf.Config.Entrypoint, Cmd: cf.Config.Cmd}, nil
}

// secretGetter reads a Secret of a namespace.
type secretGetter func(namespace, name string) (*corev1.Secret, error)

// keychainOf is the pod's imagePullSecrets as registry credentials, and a
// key that changes when they do.
func keychainOf(pod *corev1.Pod, secrets secretGetter) (authn.Keychain, string) {
	auths := map[string]authn.AuthConfig{}
	var key strings.Builder
	for _, ref := range pod.Spec.ImagePullSecrets {
		s, err := secrets(pod.Namespace, ref.Name)
		if err != nil {
			continue // as a kubelet does: a missing pull secret is skipped
		}
		fmt.Fprintf(&key, "%s@%s;", s.Name, s.ResourceVersion)
		for host, a := range dockerAuths(s) {
			if _, seen := auths[host]; !seen {
				auths[host] = a
			}
		}
	}
	return pullSecretKeychain(auths), key.String()
}

// dockerAuths reads a kubernetes.io/dockerconfigjson or dockercfg Secret.
func dockerAuths(s *corev1.Secret) map[string]authn.AuthConfig {
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
	out := map[string]authn.AuthConfig{}
	for host, e := range cfg {
		a := authn.AuthConfig{Username: e.Username, Password: e.Password, IdentityToken: e.IdentityToken}
		if e.Auth != "" && a.Username == "" {
			if raw, err := base64.StdEncoding.DecodeString(e.Auth); err == nil {
				a.Username, a.Password, _ = strings.Cut(string(raw), ":")
			}
		}
		out[registryHost(host)] = a
	}
	return out
}

// registryHost is a docker config key as a registry host: "https://index.docker.io/v1/" → "index.docker.io".
func registryHost(k string) string {
	k = strings.TrimPrefix(strings.TrimPrefix(k, "https://"), "http://")
	k, _, _ = strings.Cut(k, "/")
	if k == "docker.io" || k == "registry-1.docker.io" {
		return name.DefaultRegistry
	}
	return k
}

type pullSecretKeychain map[string]authn.AuthConfig

func (k pullSecretKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if a, ok := k[r.RegistryStr()]; ok {
		return authn.FromConfig(a), nil
	}
	return authn.Anonymous, nil
}
