package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// IDAllowList says which account-wide RunPod ids (network volumes, templates,
// registry credentials) the pods of each namespace may name. RunPod ids are
// shared by the whole account, so without a list any tenant could mount
// another team's volume by writing its id in an annotation.
//
// The zero value allows every id to every namespace. ParseIDAllowList reads
// the setting form: a comma list of `namespace/id` (that namespace only) or
// `id` (every namespace).
type IDAllowList struct {
	set         bool
	anyNS       []string
	byNamespace map[string][]string
}

// ParseIDAllowList reads `team-a/vol-1,team-b/vol-2,shared-vol`; "" is the zero value.
func ParseIDAllowList(s string) (IDAllowList, error) {
	l := IDAllowList{byNamespace: map[string][]string{}}
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		ns, id, scoped := strings.Cut(entry, "/")
		if !scoped {
			ns, id = "", entry
		}
		if id == "" || strings.Contains(id, "/") || (scoped && ns == "") {
			return IDAllowList{}, fmt.Errorf("%q is not an id or namespace/id", entry)
		}
		l.set = true
		if scoped {
			l.byNamespace[ns] = append(l.byNamespace[ns], id)
		} else {
			l.anyNS = append(l.anyNS, id)
		}
	}
	return l, nil
}

// Allows reports whether a pod of namespace may name id.
func (l IDAllowList) Allows(namespace, id string) bool {
	return !l.set || slices.Contains(l.anyNS, id) || slices.Contains(l.byNamespace[namespace], id)
}

// UnmarshalText reads the setting form (envconfig uses it).
func (l *IDAllowList) UnmarshalText(b []byte) error {
	parsed, err := ParseIDAllowList(string(b))
	if err != nil {
		return err
	}
	*l = parsed
	return nil
}

// String is the setting form, for logs.
func (l IDAllowList) String() string {
	var parts []string
	parts = append(parts, l.anyNS...)
	for _, ns := range slices.Sorted(maps.Keys(l.byNamespace)) {
		for _, id := range l.byNamespace[ns] {
			parts = append(parts, ns+"/"+id)
		}
	}
	return strings.Join(parts, ",")
}

// IsSet reports whether the list restricts anything.
func (l IDAllowList) IsSet() bool { return l.set }

// AccountIDs are the allow-lists of the ids a pod's annotations may name.
type AccountIDs struct {
	NetworkVolumes IDAllowList // ALLOWED_NETWORK_VOLUME_IDS, for runpod.io/network-volume-id
	Templates      IDAllowList // ALLOWED_TEMPLATE_IDS, for runpod.io/templateId
	RegistryAuths  IDAllowList // ALLOWED_REGISTRY_AUTH_IDS, for runpod.io/container-registry-auth-id
}

// checkAccountIDs refuses an id the pod's namespace may not use.
func checkAccountIDs(namespace string, a *Annotations, ids AccountIDs) error {
	for _, c := range []struct {
		key, id, setting string
		list             IDAllowList
	}{
		{AnnotationNetworkVolumeID, a.NetworkVolumeID, "ALLOWED_NETWORK_VOLUME_IDS", ids.NetworkVolumes},
		{AnnotationTemplateID, a.TemplateID, "ALLOWED_TEMPLATE_IDS", ids.Templates},
		{AnnotationRegistryAuthID, a.RegistryAuthID, "ALLOWED_REGISTRY_AUTH_IDS", ids.RegistryAuths},
	} {
		if c.id != "" && !c.list.Allows(namespace, c.id) {
			return refused(a.field(c.key), fmt.Sprintf(
				"%q is not an id namespace %s may use (node %s); ask the cluster admin to allow it", c.id, namespace, c.setting))
		}
	}
	return nil
}
