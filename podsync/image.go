package podsync

import (
	"context"
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
func (c *imageConfigs) get(ctx context.Context, pod *corev1.Pod, image string, src policy.Sources) (*policy.ImageConfig, error) {
	keychain, credKey := keychainOf(pod, src)
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
func keychainOf(pod *corev1.Pod, src policy.Sources) (authn.Keychain, string) {
	var key strings.Builder
	for _, ref := range pod.Spec.ImagePullSecrets {
		if s, err := src.Secret(pod.Namespace, ref.Name); err == nil {
			fmt.Fprintf(&key, "%s@%s;", s.Name, s.ResourceVersion)
		}
	}
	return pullSecretKeychain(policy.PullLogins(pod, src)), key.String()
}

// pullSecretKeychain answers go-containerregistry with the login the
// kubelet would pick for the repository (policy.PullLoginList.For).
type pullSecretKeychain policy.PullLoginList

func (k pullSecretKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if l, ok := policy.PullLoginList(k).For(r.String()); ok {
		return authn.FromConfig(authn.AuthConfig{Username: l.Username, Password: l.Password, IdentityToken: l.IdentityToken}), nil
	}
	return authn.Anonymous, nil
}
