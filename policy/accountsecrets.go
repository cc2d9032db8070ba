package policy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Content that comes from Kubernetes Secrets — env values (secretKeyRef,
// envFrom secretRef) and Secret volume files — never travels as plain pod
// env: it is stored as a RunPod account secret and the env names it with
// {{ RUNPOD_SECRET_<name> }}, which RunPod substitutes when the container
// boots, so GET /v2/pods shows only the reference.
//
// Names are deterministic: rpk-<node hash>-<kind>-<namespace.secret.key>-<mac>,
// where the node hash ties the name to this cluster and node (so garbage
// collection deletes only its own) and mac is an HMAC of the content keyed
// by the Secret's UID: a changed value gets a new name, the same value is
// shared by every pod that uses it, and a listing of names reveals nothing
// about a low-entropy value to whoever holds the API key.

// AccountSecret is a value the pod needs RunPod to hold before its create.
type AccountSecret struct {
	Name  string
	Value string
}

// String keeps the value out of logs and Events.
func (s AccountSecret) String() string { return "account secret " + s.Name }

// GoString keeps the value out of %#v too.
func (s AccountSecret) GoString() string { return s.String() }

// OwnedNamePrefix is how every account secret and registry credential this
// cluster's node creates begins; nothing else is ever garbage-collected.
func OwnedNamePrefix(clusterID, nodeName string) string {
	sum := sha256.Sum256([]byte(clusterID + "/" + nodeName))
	return "rpk-" + hex.EncodeToString(sum[:])[:10] + "-"
}

// maxReadablePart bounds the namespace.secret.key part of a name, so any
// name stays within runpodapi.MaxSecretNameLength.
const maxReadablePart = 120

var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// ownedName builds a deterministic name: prefix, kind, a readable part and
// an HMAC of content keyed by key.
func ownedName(prefix, kind, readable string, key []byte, content ...string) string {
	readable = unsafeNameChars.ReplaceAllString(readable, "_")
	if len(readable) > maxReadablePart {
		readable = readable[:maxReadablePart]
	}
	mac := hmac.New(sha256.New, key)
	for _, c := range content {
		mac.Write([]byte(c))
		mac.Write([]byte{0})
	}
	return prefix + kind + "-" + readable + "-" + hex.EncodeToString(mac.Sum(nil))[:16]
}

// secretKey is what names a Secret's content: its UID, else its namespace/name.
func secretKey(s *corev1.Secret) []byte {
	if s.UID != "" {
		return []byte(s.UID)
	}
	return []byte(s.Namespace + "/" + s.Name)
}

// accountSecretFor names the account secret holding one key of a Secret,
// as env ("env") or as file data encoded for the wrapper ("file").
func accountSecretFor(prefix, kind string, s *corev1.Secret, key, value string) AccountSecret {
	readable := s.Namespace + "." + s.Name + "." + key
	return AccountSecret{Name: ownedName(prefix, kind, readable, secretKey(s), kind, s.Namespace, s.Name, key, value), Value: value}
}

// secretEnvOrigin is the Secret key an env variable's final value came
// from; derived when a literal value expands $(VAR) of such a variable.
type secretEnvOrigin struct {
	secret  *corev1.Secret
	key     string
	derived bool
}

// secretEnvOrigins says which of the container's variables end up holding a
// Secret's value, with Kubernetes' precedence: envFrom in order (a later
// source overrides an earlier one), then env entries in order, which
// override envFrom and may expand $(VAR) of earlier ones. It fails closed:
// a secretKeyRef whose Secret cannot be read still counts (virtual-kubelet
// resolved it), and an envFrom Secret that cannot be read and is not
// optional is an ErrSourceMissing wait, since its keys are unknown.
func secretEnvOrigins(stored *corev1.Pod, container string, src Sources) (map[string]secretEnvOrigin, error) {
	out := map[string]secretEnvOrigin{}
	if stored == nil {
		return out, nil
	}
	var c *corev1.Container
	for i := range stored.Spec.Containers {
		if stored.Spec.Containers[i].Name == container {
			c = &stored.Spec.Containers[i]
		}
	}
	if c == nil {
		return out, nil
	}
	ns := stored.Namespace
	read := func(name string) (*corev1.Secret, error) {
		if src == nil {
			return nil, errNoSources
		}
		return src.Secret(ns, name)
	}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.SecretRef != nil:
			s, err := read(ef.SecretRef.Name)
			if err != nil {
				if ef.SecretRef.Optional != nil && *ef.SecretRef.Optional {
					continue
				}
				return nil, fmt.Errorf("container %q envFrom Secret %s/%s: %w (%v)", c.Name, ns, ef.SecretRef.Name, ErrSourceMissing, err)
			}
			for k := range s.Data {
				out[ef.Prefix+k] = secretEnvOrigin{secret: s, key: k}
			}
		case ef.ConfigMapRef != nil && src != nil:
			if cm, err := src.ConfigMap(ns, ef.ConfigMapRef.Name); err == nil { // unreadable: keep the Secrets' claims
				for k := range cm.Data {
					delete(out, ef.Prefix+k)
				}
				for k := range cm.BinaryData {
					delete(out, ef.Prefix+k)
				}
			}
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			s, err := read(ref.Name)
			if err != nil {
				s = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: ref.Name}}
			}
			out[e.Name] = secretEnvOrigin{secret: s, key: ref.Key}
		case e.ValueFrom == nil:
			if o, ok := expandsSecret(e.Value, out); ok {
				out[e.Name] = secretEnvOrigin{secret: o.secret, key: e.Name, derived: true}
				continue
			}
			delete(out, e.Name)
		default:
			delete(out, e.Name)
		}
	}
	return out, nil
}

var errNoSources = errors.New("no source of Secrets")

// expandsSecret reports whether a literal value names $(VAR) of a
// Secret-sourced variable, which Kubernetes expands into the value.
func expandsSecret(value string, origins map[string]secretEnvOrigin) (secretEnvOrigin, bool) {
	for _, name := range referencedVars(value) {
		if o, ok := origins[name]; ok {
			return o, true
		}
	}
	return secretEnvOrigin{}, false
}

// referencedVars are the $(VAR) names a word expands, as expand reads them
// ($$ escapes).
func referencedVars(s string) []string {
	var names []string
	for i := 0; i+1 < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		switch s[i+1] {
		case '$':
			i++
		case '(':
			if end := strings.IndexByte(s[i+2:], ')'); end >= 0 {
				names = append(names, s[i+2:i+2+end])
				i += 2 + end
			}
		}
	}
	return names
}

// checkCommandSecrets refuses a command or args that expand a Secret-sourced
// variable: RunPod shows a pod's command to anyone with the API key and
// substitutes account secrets in env only.
func checkCommandSecrets(c *corev1.Container, origins map[string]secretEnvOrigin) error {
	for _, field := range []struct {
		name  string
		words []string
	}{{"command", c.Command}, {"args", c.Args}} {
		for _, w := range field.words {
			for _, name := range referencedVars(w) {
				if o, ok := origins[name]; ok {
					return refused(fmt.Sprintf("container %q %s", c.Name, field.name), fmt.Sprintf(
						"$(%s) would put the value of Secret %s into the RunPod pod's command, which anyone with the API key can read; use the variable from the environment instead (sh -c '... \"$%s\"')",
						name, o.secret.Name, name))
				}
			}
		}
	}
	return nil
}

// keepSecretEnv replaces every env value that came from a Secret with its
// account secret reference and returns the secrets the pod needs. The
// value stored is the value sent, whatever the Secret holds now.
func keepSecretEnv(env map[string]string, origins map[string]secretEnvOrigin, prefix string) []AccountSecret {
	var out []AccountSecret
	for _, name := range sortedNames(origins) {
		value, ok := env[name]
		if !ok {
			continue
		}
		o := origins[name]
		s := accountSecretFor(prefix, "env", o.secret, o.key, value)
		env[name] = runpodapi.SecretReference(s.Name)
		out = appendSecret(out, s)
	}
	return out
}

func appendSecret(list []AccountSecret, s AccountSecret) []AccountSecret {
	for _, have := range list {
		if have.Name == s.Name {
			return list
		}
	}
	return append(list, s)
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// secretReferenceRE finds the account secrets an env value names.
var secretReferenceRE = regexp.MustCompile(`\{\{\s*RUNPOD_SECRET_([A-Za-z0-9_.\-/]+)\s*\}\}`)

// ReferencedSecretNames are the account secret names a RunPod pod's env uses.
func ReferencedSecretNames(env map[string]string) []string {
	var names []string
	for _, v := range env {
		if !strings.Contains(v, "RUNPOD_SECRET_") {
			continue
		}
		for _, m := range secretReferenceRE.FindAllStringSubmatch(v, -1) {
			names = append(names, m[1])
		}
	}
	return names
}

// checkSecretName guards the naming scheme against RunPod's rules.
func checkSecretName(s AccountSecret) error {
	if !runpodapi.ValidSecretName(s.Name) {
		return fmt.Errorf("account secret name %q breaks RunPod's naming rules", s.Name)
	}
	return nil
}
