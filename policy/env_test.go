package policy

import (
	"maps"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The pod as stored: env from a Secret, a ConfigMap, the downward API and envFrom.
func storedContainer() corev1.Container {
	return corev1.Container{
		Name: "main",
		Env: []corev1.EnvVar{
			{Name: "HF_TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "hf"}, Key: "token"}}},
			{Name: "CONFIG_YAML", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Key: "config.yaml"}}},
			{Name: "MY_POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "REDIS_MASTER_SERVICE_HOST", Value: "10.0.0.11"}, // the user's own, same value as the link
		},
		EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "extra"}}}},
	}
}

// resolved is the same container as virtual-kubelet hands it over: literal
// values, envFrom expanded, service links merged in.
func resolvedContainer() corev1.Container {
	env := map[string]string{
		"HF_TOKEN":                   "hf_abc123",
		"CONFIG_YAML":                "model: llama\nlayers:\n  - 1\n  - 2\n",
		"MY_POD":                     "train",
		"FROM_ENVFROM":               "x=y; z",
		"REDIS_MASTER_SERVICE_HOST":  "10.0.0.11",
		"MY_SERVICE_HOST":            "example.com", // looks like a link; no Service "my"
		"KUBERNETES_SERVICE_HOST_V2": "keep",        // looks similar; not generated
		"KUBERNETES_SERVICE_PORT":    "8443",        // the user's value, not the link's
	}
	maps.Copy(env, kubernetesLinks())
	env["KUBERNETES_SERVICE_PORT"] = "8443"
	for k, v := range map[string]string{
		"REDIS_MASTER_SERVICE_PORT": "6379", "REDIS_MASTER_SERVICE_PORT_REDIS": "6379",
		"REDIS_MASTER_PORT": "tcp://10.0.0.11:6379", "REDIS_MASTER_PORT_6379_TCP": "tcp://10.0.0.11:6379",
		"REDIS_MASTER_PORT_6379_TCP_PROTO": "tcp", "REDIS_MASTER_PORT_6379_TCP_PORT": "6379",
		"REDIS_MASTER_PORT_6379_TCP_ADDR": "10.0.0.11",
	} {
		env[k] = v
	}
	c := corev1.Container{Name: "main", EnvFrom: []corev1.EnvFromSource{}}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: env[k]})
	}
	return c
}

func TestResolvedEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     []corev1.EnvVar
		envFrom []corev1.EnvFromSource
		want    map[string]string
		wantErr []string
	}{
		{name: "empty", want: map[string]string{}},
		{name: "values verbatim, multi-line intact", env: []corev1.EnvVar{
			{Name: "CERT", Value: "-----BEGIN-----\nabc\n-----END-----\n"}, {Name: "EMPTY", Value: ""}, {Name: "SPACES", Value: "  a b  "},
		}, want: map[string]string{"CERT": "-----BEGIN-----\nabc\n-----END-----\n", "EMPTY": "", "SPACES": "  a b  "}},
		{name: "last duplicate wins", env: []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "A", Value: "2"}}, want: map[string]string{"A": "2"}},
		{name: "unresolved secretKeyRef", env: storedContainer().Env[:1],
			wantErr: []string{`env "HF_TOKEN": valueFrom was not resolved`, "SkipDownwardAPIResolution"}},
		{name: "unresolved envFrom", envFrom: storedContainer().EnvFrom, wantErr: []string{`container "main" envFrom: was not resolved`}},
		{name: "reserved prefix", env: []corev1.EnvVar{{Name: EnvPodUID, Value: "x"}},
			wantErr: []string{`env "RUNPOD_KUBELET_POD_UID": the RUNPOD_KUBELET_ prefix is reserved`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolvedEnv(&corev1.Container{Name: "main", Env: tt.env, EnvFrom: tt.envFrom})
			if tt.wantErr != nil {
				wantPolicyError(t, err, ErrRefused, tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDropServiceLinks(t *testing.T) {
	c := resolvedContainer()
	full, err := resolvedEnv(&c)
	if err != nil {
		t.Fatal(err)
	}
	stored := testPod(func(p *corev1.Pod) { p.Spec.Containers[0] = storedContainer() })
	links := serviceLinkEnv(testPod(), testServices())

	tests := []struct {
		name        string
		stored      *corev1.Pod
		links       map[string]string
		wantKept    []string
		wantDropped []string
	}{
		{name: "no services: nothing dropped", links: map[string]string{}, wantKept: slices.Sorted(maps.Keys(full))},
		{name: "links dropped; user's look-alikes and different values kept; declared name kept", stored: stored, links: links,
			wantKept: []string{"CONFIG_YAML", "FROM_ENVFROM", "HF_TOKEN", "KUBERNETES_SERVICE_HOST_V2", "KUBERNETES_SERVICE_PORT",
				"MY_POD", "MY_SERVICE_HOST", "REDIS_MASTER_SERVICE_HOST"},
			wantDropped: []string{
				"KUBERNETES_PORT", "KUBERNETES_PORT_443_TCP", "KUBERNETES_PORT_443_TCP_ADDR", "KUBERNETES_PORT_443_TCP_PORT",
				"KUBERNETES_PORT_443_TCP_PROTO", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT_HTTPS",
				"REDIS_MASTER_PORT", "REDIS_MASTER_PORT_6379_TCP", "REDIS_MASTER_PORT_6379_TCP_ADDR", "REDIS_MASTER_PORT_6379_TCP_PORT",
				"REDIS_MASTER_PORT_6379_TCP_PROTO", "REDIS_MASTER_SERVICE_PORT", "REDIS_MASTER_SERVICE_PORT_REDIS",
			}},
		{name: "without the stored pod a link-valued variable is dropped", links: links,
			wantKept: []string{"CONFIG_YAML", "FROM_ENVFROM", "HF_TOKEN", "KUBERNETES_SERVICE_HOST_V2", "KUBERNETES_SERVICE_PORT",
				"MY_POD", "MY_SERVICE_HOST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, dropped := dropServiceLinks(full, tt.links, declaredEnvNames(tt.stored, "main"))
			if got := slices.Sorted(maps.Keys(kept)); !slices.Equal(got, tt.wantKept) {
				t.Errorf("kept %q\nwant %q", got, tt.wantKept)
			}
			if tt.wantDropped != nil && !slices.Equal(dropped, tt.wantDropped) {
				t.Errorf("dropped %q\nwant    %q", dropped, tt.wantDropped)
			}
			for k, v := range kept {
				if full[k] != v {
					t.Errorf("%s changed: %q → %q", k, full[k], v)
				}
			}
		})
	}
}

func TestDeclaredEnvNames(t *testing.T) {
	stored := testPod(func(p *corev1.Pod) {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "other", Env: []corev1.EnvVar{{Name: "OTHER"}}})
		p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A"}}
	})
	got := declaredEnvNames(stored, "main")
	if !got["A"] || got["OTHER"] || len(got) != 1 {
		t.Errorf("got %v", got)
	}
	if len(declaredEnvNames(nil, "main")) != 0 {
		t.Error("nil stored pod declares names")
	}
}
