package install

import (
	"encoding/json"
	"io"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// object is one rendered Kubernetes object.
type object struct {
	Kind, Namespace, Name string
	raw                   map[string]any
}

func (o object) key() string { return o.Kind + " " + o.Namespace + "/" + o.Name }

// into decodes the object into a typed API struct.
func (o object) into(t *testing.T, v any) {
	t.Helper()
	b, err := json.Marshal(o.raw)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		t.Fatalf("decode %s: %v", o.key(), err)
	}
}

// manifests is a multi-document YAML stream, parsed.
type manifests []object

func parseManifests(t *testing.T, text string) manifests {
	t.Helper()
	dec := yaml.NewYAMLOrJSONDecoder(strings.NewReader(text), 4096)
	var out manifests
	for {
		var raw map[string]any
		if err := dec.Decode(&raw); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("parse manifests: %v\n%s", err, text)
		}
		if raw == nil {
			continue // a document of comments only
		}
		meta, _ := raw["metadata"].(map[string]any)
		kind, _ := raw["kind"].(string)
		name, _ := meta["name"].(string)
		ns, _ := meta["namespace"].(string)
		out = append(out, object{Kind: kind, Namespace: ns, Name: name, raw: raw})
	}
}

// keys lists "Kind namespace/name" of every object, sorted.
func (m manifests) keys() []string {
	var keys []string
	for _, o := range m {
		keys = append(keys, o.key())
	}
	sort.Strings(keys)
	return keys
}

// ofKind returns the objects of one kind.
func (m manifests) ofKind(kind string) manifests {
	var out manifests
	for _, o := range m {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// one returns the only object of a kind, failing otherwise.
func (m manifests) one(t *testing.T, kind string) object {
	t.Helper()
	objs := m.ofKind(kind)
	if len(objs) != 1 {
		t.Fatalf("want one %s, got %d: %v", kind, len(objs), m.keys())
	}
	return objs[0]
}

func (m manifests) deployment(t *testing.T) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	m.one(t, "Deployment").into(t, &d)
	return &d
}

// container is the kubelet container of the Deployment.
func (m manifests) container(t *testing.T) corev1.Container {
	t.Helper()
	d := m.deployment(t)
	if n := len(d.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("Deployment has %d containers, want 1", n)
	}
	return d.Spec.Template.Spec.Containers[0]
}

// envSources describes every variable the kubelet container gets: from the
// ConfigMap its envFrom names (the value), and from env (the value, or
// "secret:<name>/<key>" or "field:<path>" for valueFrom).
func (m manifests) envSources(t *testing.T) map[string]string {
	t.Helper()
	c := m.container(t)
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			t.Fatalf("unexpected envFrom %+v", from)
		}
		var cm corev1.ConfigMap
		found := false
		for _, o := range m.ofKind("ConfigMap") {
			if o.Name == from.ConfigMapRef.Name {
				o.into(t, &cm)
				found = true
			}
		}
		if !found {
			t.Fatalf("envFrom names ConfigMap %s, which is not rendered", from.ConfigMapRef.Name)
		}
		for k, v := range cm.Data {
			env[k] = v
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			env[e.Name] = "secret:" + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
		case e.ValueFrom.FieldRef != nil:
			env[e.Name] = "field:" + e.ValueFrom.FieldRef.FieldPath
		case e.ValueFrom.ResourceFieldRef != nil:
			env[e.Name] = "resource:" + e.ValueFrom.ResourceFieldRef.Resource
		default:
			t.Fatalf("unexpected valueFrom for %s: %+v", e.Name, e.ValueFrom)
		}
	}
	return env
}
