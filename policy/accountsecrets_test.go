package policy

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func secretsFixture() fakeSources {
	sec := func(name, uid string, data map[string]string) *corev1.Secret {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ml", Name: name, UID: types.UID("uid-" + name)}, Data: map[string][]byte{}}
		if uid != "" {
			s.UID = types.UID("uid-" + uid)
		}
		for k, v := range data {
			s.Data[k] = []byte(v)
		}
		return s
	}
	return fakeSources{
		cms: map[string]*corev1.ConfigMap{"ml/settings": {Data: map[string]string{"MODE": "fast", "DB_PASSWORD": "from-configmap"}}},
		secrets: map[string]*corev1.Secret{
			"ml/db":    sec("db", "", map[string]string{"password": "hunter2", "user": "app"}),
			"ml/bulk":  sec("bulk", "", map[string]string{"API_TOKEN": "tok-1", "MODE": "secret-mode"}),
			"ml/files": sec("files", "", map[string]string{"key.pem": "-----BEGIN KEY-----\n"}),
		},
	}
}

// storedWith is the pod as stored: env references, not values.
func storedWith(env []corev1.EnvVar, envFrom []corev1.EnvFromSource) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Env, p.Spec.Containers[0].EnvFrom = env, envFrom
	}
}

func secretRef(name, key string) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}
}

// Values from Secrets become account secret references, with Kubernetes'
// precedence deciding which source a variable's value came from.
func TestSecretEnvBecomesAccountSecrets(t *testing.T) {
	src := secretsFixture()
	tests := []struct {
		name       string
		env        []corev1.EnvVar
		envFrom    []corev1.EnvFromSource
		resolved   map[string]string // what virtual-kubelet resolved
		secret     []string          // variables that must be references
		plain      map[string]string // variables that must stay as they are
		numSecrets int
	}{
		{name: "secretKeyRef",
			env:      []corev1.EnvVar{{Name: "DB_PASSWORD", ValueFrom: secretRef("db", "password")}, {Name: "LOG", Value: "info"}},
			resolved: map[string]string{"DB_PASSWORD": "hunter2", "LOG": "info"},
			secret:   []string{"DB_PASSWORD"}, plain: map[string]string{"LOG": "info"}, numSecrets: 1},
		{name: "envFrom secretRef with a prefix",
			envFrom:  []corev1.EnvFromSource{{Prefix: "X_", SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "bulk"}}}},
			resolved: map[string]string{"X_API_TOKEN": "tok-1", "X_MODE": "secret-mode"},
			secret:   []string{"X_API_TOKEN", "X_MODE"}, numSecrets: 2},
		{name: "a later ConfigMap overrides a Secret key",
			envFrom: []corev1.EnvFromSource{
				{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "bulk"}}},
				{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}}}},
			resolved: map[string]string{"API_TOKEN": "tok-1", "MODE": "fast", "DB_PASSWORD": "from-configmap"},
			secret:   []string{"API_TOKEN"}, plain: map[string]string{"MODE": "fast", "DB_PASSWORD": "from-configmap"}, numSecrets: 1},
		{name: "an env entry overrides envFrom",
			envFrom:  []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "bulk"}}}},
			env:      []corev1.EnvVar{{Name: "MODE", Value: "plain"}},
			resolved: map[string]string{"API_TOKEN": "tok-1", "MODE": "plain"},
			secret:   []string{"API_TOKEN"}, plain: map[string]string{"MODE": "plain"}, numSecrets: 1},
		{name: "a literal value expanding a Secret variable",
			env:      []corev1.EnvVar{{Name: "TOKEN", ValueFrom: secretRef("db", "password")}, {Name: "AUTH", Value: "Bearer $(TOKEN)"}, {Name: "ESCAPED", Value: "$$(TOKEN)"}},
			resolved: map[string]string{"TOKEN": "hunter2", "AUTH": "Bearer hunter2", "ESCAPED": "$(TOKEN)"},
			secret:   []string{"TOKEN", "AUTH"}, plain: map[string]string{"ESCAPED": "$(TOKEN)"}, numSecrets: 2},
		{name: "a value the Secret no longer holds (rotated since resolution)",
			env:      []corev1.EnvVar{{Name: "DB_PASSWORD", ValueFrom: secretRef("db", "password")}},
			resolved: map[string]string{"DB_PASSWORD": "hunter1-old"},
			secret:   []string{"DB_PASSWORD"}, numSecrets: 1},
		{name: "a secretKeyRef whose Secret is unreadable here",
			env:      []corev1.EnvVar{{Name: "GONE", ValueFrom: secretRef("deleted", "k")}},
			resolved: map[string]string{"GONE": "hunter2"},
			secret:   []string{"GONE"}, numSecrets: 1},
		{name: "two variables, one value, one secret",
			env:      []corev1.EnvVar{{Name: "A", ValueFrom: secretRef("db", "password")}, {Name: "B", ValueFrom: secretRef("db", "password")}},
			resolved: map[string]string{"A": "hunter2", "B": "hunter2"},
			secret:   []string{"A", "B"}, numSecrets: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := testPod(storedWith(tt.env, tt.envFrom))
			pod := testPod(func(p *corev1.Pod) {
				for _, k := range sortedNames(tt.resolved) {
					p.Spec.Containers[0].Env = append(p.Spec.Containers[0].Env, corev1.EnvVar{Name: k, Value: tt.resolved[k]})
				}
			})
			plan, err := Plan(Input{Pod: pod, StoredPod: stored, Node: testNode(), CPUCatalog: testCPUCatalog(), Sources: src})
			if err != nil {
				t.Fatal(err)
			}
			env := plan.Candidates[0].Request.Env
			for _, name := range tt.secret {
				if !strings.HasPrefix(env[name], "{{ RUNPOD_SECRET_rpk-") {
					t.Errorf("%s = %q, want an account secret reference", name, env[name])
				}
			}
			for name, v := range tt.plain {
				if env[name] != v {
					t.Errorf("%s = %q, want %q as it was", name, env[name], v)
				}
			}
			if len(plan.Secrets) != tt.numSecrets {
				t.Fatalf("plan needs %d account secrets, want %d", len(plan.Secrets), tt.numSecrets)
			}
			for _, s := range plan.Secrets {
				if !runpodapi.ValidSecretName(s.Name) {
					t.Errorf("name %q breaks RunPod's rules", s.Name)
				}
				if got := runpodapi.SecretReference(s.Name); !strings.Contains(fmt.Sprint(env), got) {
					t.Errorf("secret %s is referenced by no variable", s.Name)
				}
				if strings.Contains(fmt.Sprintf("%v %+v %#v %s", s, s, s, plan.Secrets), s.Value) {
					t.Errorf("printing the account secret shows its value")
				}
			}
			for _, v := range env {
				for _, secret := range []string{"hunter2", "tok-1", "secret-mode"} {
					if strings.Contains(v, secret) {
						t.Errorf("the create request carries the Secret value %q", secret)
					}
				}
			}
			if len(plan.Secrets) > 0 && !strings.Contains(plan.Explanation, "kept as a RunPod account secret") && !strings.Contains(plan.Explanation, "kept as RunPod account secrets") {
				t.Errorf("explanation %q does not say values were kept as account secrets", plan.Explanation)
			}
		})
	}
}

// Names are deterministic, change with the content and the Secret's
// identity, and are this node's own.
func TestAccountSecretNames(t *testing.T) {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ml", Name: "db", UID: "u1"}}
	prefix := OwnedNamePrefix("prod-eu", "runpod")
	a := accountSecretFor(prefix, "env", s, "password", "hunter2")
	if b := accountSecretFor(prefix, "env", s, "password", "hunter2"); a.Name != b.Name {
		t.Fatalf("same content, names %q and %q", a.Name, b.Name)
	}
	changed := []string{
		accountSecretFor(prefix, "env", s, "password", "hunter3").Name,
		accountSecretFor(prefix, "file", s, "password", "hunter2").Name,
		accountSecretFor(OwnedNamePrefix("prod-eu", "other-node"), "env", s, "password", "hunter2").Name,
		accountSecretFor(prefix, "env", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ml", Name: "db", UID: "u2"}}, "password", "hunter2").Name,
	}
	for _, n := range changed {
		if n == a.Name {
			t.Errorf("a different content, kind, node or Secret kept the name %q", n)
		}
	}
	if !strings.HasPrefix(a.Name, prefix) || !strings.Contains(a.Name, "ml.db.password") || !runpodapi.ValidSecretName(a.Name) {
		t.Errorf("name %q: want the node's prefix, a readable part and RunPod's rules", a.Name)
	}
	long := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: strings.Repeat("n", 63), Name: strings.Repeat("s", 253), UID: "u"}}
	if n := accountSecretFor(prefix, "file", long, strings.Repeat("k", 253), "v").Name; !runpodapi.ValidSecretName(n) {
		t.Errorf("long name %q (%d) breaks RunPod's rules", n, len(n))
	}
	if got := ReferencedSecretNames(map[string]string{"A": runpodapi.SecretReference(a.Name), "B": "plain {{RUNPOD_SECRET_x.y}}"}); len(got) != 2 {
		t.Errorf("referenced names %q, want two", got)
	}
}

// A Secret volume's files reach the wrapper through account secrets: the
// data env names them, holding the wrapper's encoding of the content.
func TestSecretFilesBecomeAccountSecrets(t *testing.T) {
	pod := testPod(func(p *corev1.Pod) {
		p.Spec.Containers[0].Command = []string{"serve"}
		p.Spec.Volumes = []corev1.Volume{{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "files"}}},
			{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}}}}}
		p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "tls", MountPath: "/tls"}, {Name: "cfg", MountPath: "/cfg"}}
	})
	plan, err := Plan(Input{Pod: pod, Node: testNode(), CPUCatalog: testCPUCatalog(), Sources: secretsFixture()})
	if err != nil {
		t.Fatal(err)
	}
	env := plan.Candidates[0].Request.Env
	var secretData, plainData int
	for i := 0; i < 3; i++ {
		p, _, d := EnvFile(i)
		switch {
		case env[p] == "/tls/key.pem":
			secretData++
			if len(plan.Secrets) != 1 || env[d] != runpodapi.SecretReference(plan.Secrets[0].Name) ||
				plan.Secrets[0].Value != EncodeFileData([]byte("-----BEGIN KEY-----\n")) {
				t.Errorf("the Secret file's data %q is not a reference to its encoded content", env[d])
			}
		case strings.HasPrefix(env[p], "/cfg/"):
			plainData++
			if strings.Contains(env[d], "RUNPOD_SECRET_") {
				t.Errorf("ConfigMap file %s went through an account secret", env[p])
			}
		}
	}
	if secretData != 1 || plainData != 2 {
		t.Errorf("files: %d from the Secret, %d from the ConfigMap; want 1 and 2 (env %v)", secretData, plainData, env)
	}
}

// imagePullSecrets matching the image's registry become a registry
// credential to make; the annotation wins; no match means none.
func TestRegistryLogin(t *testing.T) {
	dockerconfig := func(name, host, user, pass string) *corev1.Secret {
		auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ml", Name: name, UID: types.UID("uid-" + name)},
			Type: corev1.SecretTypeDockerConfigJson,
			Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, host, auth))}}
	}
	src := fakeSources{secrets: map[string]*corev1.Secret{
		"ml/ghcr":    dockerconfig("ghcr", "ghcr.io", "bot", "pat-1"),
		"ml/hub":     dockerconfig("hub", "https://index.docker.io/v1/", "me", "pw"),
		"ml/ghcr-2":  dockerconfig("ghcr-2", "ghcr.io", "bot", "pat-2"),
		"ml/org-a":   dockerconfig("org-a", "ghcr.io/acme", "acme-bot", "pat-a"),
		"ml/hub-org": dockerconfig("hub-org", "docker.io/acme", "acme", "pw-a"),
	}}
	tests := []struct {
		name       string
		image      string
		pulls      []string
		annotation string
		wantSecret string // "" = no login
	}{
		{name: "matching host", image: "ghcr.io/acme/train:1", pulls: []string{"hub", "ghcr"}, wantSecret: "ghcr"},
		{name: "docker hub short name", image: "acme/train:1", pulls: []string{"ghcr", "hub"}, wantSecret: "hub"},
		{name: "first matching secret wins", image: "ghcr.io/acme/train:1", pulls: []string{"ghcr-2", "ghcr"}, wantSecret: "ghcr-2"},
		{name: "the longest path wins over the host", image: "ghcr.io/acme/train:1", pulls: []string{"ghcr", "org-a"}, wantSecret: "org-a"},
		{name: "a path that does not cover the image", image: "ghcr.io/other/train:1", pulls: []string{"org-a", "ghcr"}, wantSecret: "ghcr"},
		{name: "a Docker Hub org path", image: "acme/train:1", pulls: []string{"hub", "hub-org"}, wantSecret: "hub-org"},
		{name: "no matching host", image: "quay.io/acme/train:1", pulls: []string{"ghcr", "hub"}},
		{name: "missing secret skipped", image: "ghcr.io/acme/train:1", pulls: []string{"nope"}},
		{name: "the annotation wins", image: "ghcr.io/acme/train:1", pulls: []string{"ghcr"}, annotation: "reg-123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := testPod(func(p *corev1.Pod) {
				p.Spec.Containers[0].Image = tt.image
				p.Spec.Containers[0].Command = []string{"train"}
				for _, s := range tt.pulls {
					p.Spec.ImagePullSecrets = append(p.Spec.ImagePullSecrets, corev1.LocalObjectReference{Name: s})
				}
				if tt.annotation != "" {
					p.Annotations = map[string]string{AnnotationRegistryAuthID: tt.annotation}
				}
			})
			plan, err := Plan(Input{Pod: pod, Node: testNode(), CPUCatalog: testCPUCatalog(), Sources: src})
			if err != nil {
				t.Fatal(err)
			}
			l := plan.RegistryLogin
			if tt.wantSecret == "" {
				if l != nil {
					t.Fatalf("login %v, want none", l)
				}
				if got := plan.Candidates[0].Request.Registry; got != tt.annotation {
					t.Errorf("registry %q, want %q", got, tt.annotation)
				}
				return
			}
			if l == nil || l.SecretName != tt.wantSecret || !strings.HasPrefix(l.Name, OwnedNamePrefix(testNode().ClusterID, testNode().NodeName)) {
				t.Fatalf("login %v, want one from %s", l, tt.wantSecret)
			}
			if strings.Contains(fmt.Sprintf("%v %+v %#v", *l, *l, *l), l.Password) {
				t.Error("printing the login shows its password")
			}
			plan.SetRegistry("reg-9")
			for _, c := range plan.Candidates {
				if c.Request.Registry != "reg-9" {
					t.Errorf("candidate registry %q after SetRegistry", c.Request.Registry)
				}
			}
		})
	}
}

// A command that would carry a Secret's value is refused; an envFrom Secret
// that cannot be read waits (its keys are unknown), unless optional.
func TestSecretValuesNeverInTheCommand(t *testing.T) {
	src := secretsFixture()
	optional := true
	tests := []struct {
		name    string
		env     []corev1.EnvVar
		envFrom []corev1.EnvFromSource
		args    []string
		kind    error
		want    string
	}{
		{name: "args expand a Secret variable", env: []corev1.EnvVar{{Name: "TOKEN", ValueFrom: secretRef("db", "password")}},
			args: []string{"--token=$(TOKEN)"}, kind: ErrRefused, want: "$(TOKEN) would put the value of Secret db"},
		{name: "an escaped reference is fine", env: []corev1.EnvVar{{Name: "TOKEN", ValueFrom: secretRef("db", "password")}},
			args: []string{"--literal=$$(TOKEN)"}},
		{name: "envFrom Secret unreadable", envFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}}}},
			kind: ErrSourceMissing, want: "envFrom Secret ml/missing"},
		{name: "optional envFrom Secret unreadable", envFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}, Optional: &optional}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := testPod(storedWith(tt.env, tt.envFrom), func(p *corev1.Pod) {
				p.Spec.Containers[0].Command = []string{"serve"}
				p.Spec.Containers[0].Args = tt.args
			})
			pod := testPod(func(p *corev1.Pod) {
				p.Spec.Containers[0].Command = []string{"serve"}
				p.Spec.Containers[0].Args = tt.args
			})
			_, err := Plan(Input{Pod: pod, StoredPod: stored, Node: testNode(), CPUCatalog: testCPUCatalog(), Sources: src})
			switch {
			case tt.kind == nil && err != nil:
				t.Fatalf("plan: %v", err)
			case tt.kind != nil && (!errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("plan error %v, want %v mentioning %q", err, tt.kind, tt.want)
			}
		})
	}
}
