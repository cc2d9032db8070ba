package podsync

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	"github.com/runpod-kubelet/runpod-kubelet/tests/ociregistry"
)

// privateRegistry is a real OCI registry server in-process that wants
// user:pass, holding one image with an ENTRYPOINT and CMD.
func privateRegistry(t *testing.T) (host string, image string) {
	return ociregistry.Private(t, "user", "pass", "team/server:1",
		v1.Config{Entrypoint: []string{"/usr/bin/serve"}, Cmd: []string{"--port", "8080"}})
}

func pullSecret(name, host, user, pass string) *corev1.Secret {
	cfg, _ := json.Marshal(map[string]any{"auths": map[string]any{host: map[string]string{"username": user, "password": pass}}})
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", ResourceVersion: "1"},
		Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: cfg}}
}

func TestImageConfigFromAPrivateRegistry(t *testing.T) {
	host, image := privateRegistry(t)
	secrets := map[string]*corev1.Secret{"regcred": pullSecret("regcred", host, "user", "pass"), "wrong": pullSecret("wrong", host, "user", "nope")}
	get := secretSources(secrets)
	pod := func(pullSecrets ...string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}}
		for _, s := range pullSecrets {
			p.Spec.ImagePullSecrets = append(p.Spec.ImagePullSecrets, corev1.LocalObjectReference{Name: s})
		}
		return p
	}
	for _, tc := range []struct {
		name    string
		secrets []string
		ok      bool
	}{
		{"with its imagePullSecret", []string{"missing-one-is-skipped", "regcred"}, true},
		{"without credentials", nil, false},
		{"with wrong credentials", []string{"wrong"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := newImageConfigs(clock.RealClock{}).get(context.Background(), pod(tc.secrets...), image, get)
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), "UNAUTHORIZED") && !strings.Contains(err.Error(), "401") {
					t.Fatalf("config %+v, err %v; want a 401 from the registry", cfg, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.Entrypoint, []string{"/usr/bin/serve"}) || !slices.Equal(cfg.Cmd, []string{"--port", "8080"}) {
				t.Errorf("config %+v, want the image's ENTRYPOINT and CMD", cfg)
			}
		})
	}
}

// secretSources serves Secrets by name, in any namespace.
type secretSources map[string]*corev1.Secret

func (m secretSources) ConfigMap(_, n string) (*corev1.ConfigMap, error) {
	return nil, apierrors.NewNotFound(corev1.Resource("configmaps"), n)
}

func (m secretSources) Secret(_, n string) (*corev1.Secret, error) {
	if s, ok := m[n]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("secrets"), n)
}
