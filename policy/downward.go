package policy

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// downwardFiles are a downward-API volume's items: pod fields and container
// resources, written as the kubelet writes them (labels and annotations as
// sorted key="value" lines).
func downwardFiles(pod *corev1.Pod, field string, items []corev1.DownwardAPIVolumeFile, mode *int32) ([]File, error) {
	out := make([]File, 0, len(items))
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = podField(pod, it.FieldRef.FieldPath)
		case it.ResourceFieldRef != nil:
			v, err = resourceField(pod, it.ResourceFieldRef)
		default:
			err = fmt.Errorf("names neither a field nor a resource")
		}
		if err != nil {
			return nil, refused(field, fmt.Sprintf("item %q: %v", it.Path, err))
		}
		out = append(out, File{Path: it.Path, Mode: modeOr(it.Mode, mode), Data: []byte(v)})
	}
	return out, nil
}

// podField is a downward-API fieldRef's value.
func podField(pod *corev1.Pod, fieldPath string) (string, error) {
	if key, ok := mapKey(fieldPath, "metadata.labels"); ok {
		return pod.Labels[key], nil
	}
	if key, ok := mapKey(fieldPath, "metadata.annotations"); ok {
		return pod.Annotations[key], nil
	}
	switch fieldPath {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	}
	return "", fmt.Errorf("field %q cannot be written into a file on RunPod", fieldPath)
}

// mapKey reads metadata.labels['key'] forms.
func mapKey(fieldPath, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(fieldPath, prefix+"['")
	if !ok || !strings.HasSuffix(rest, "']") {
		return "", false
	}
	return strings.TrimSuffix(rest, "']"), true
}

func formatMap(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s=%s\n", k, strconv.Quote(m[k]))
	}
	return b.String()
}

// resourceField is a resourceFieldRef's value: the container's limit or
// request in units of the divisor, rounded up, as the kubelet writes it.
func resourceField(pod *corev1.Pod, ref *corev1.ResourceFieldSelector) (string, error) {
	var c *corev1.Container
	for i := range pod.Spec.Containers {
		if ref.ContainerName == "" || pod.Spec.Containers[i].Name == ref.ContainerName {
			c = &pod.Spec.Containers[i]
			break
		}
	}
	if c == nil {
		return "", fmt.Errorf("resource of container %q: no such container", ref.ContainerName)
	}
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", fmt.Errorf("resource %q is not limits.X or requests.X", ref.Resource)
	}
	list := c.Resources.Limits
	if kind == "requests" {
		list = c.Resources.Requests
	}
	q, found := list[corev1.ResourceName(name)]
	if !found {
		return "", fmt.Errorf("resource %q is not set on container %q (the node's allocatable is not known on RunPod)", ref.Resource, c.Name)
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	v := math.Ceil(float64(q.MilliValue()) / float64(divisor.MilliValue()))
	return strconv.FormatInt(int64(v), 10), nil
}
