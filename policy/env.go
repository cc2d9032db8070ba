package policy

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// resolvedEnv returns the container's env as literal name → value, copied
// verbatim (multi-line values intact). virtual-kubelet's pod controller has
// already resolved secretKeyRef, configMapKeyRef, fieldRef and envFrom into
// plain values; anything still unresolved (SkipDownwardAPIResolution) is
// refused, since the policy reads no API objects. Names under the ownership
// prefix are refused: they are how runpod-kubelet recognises its pods.
func resolvedEnv(c *corev1.Container) (map[string]string, error) {
	if len(c.EnvFrom) > 0 {
		return nil, refused(fmt.Sprintf("container %q envFrom", c.Name),
			"was not resolved to values before reaching runpod-kubelet (is SkipDownwardAPIResolution set?)")
	}
	env := make(map[string]string, len(c.Env))
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			return nil, refused(fmt.Sprintf("env %q", e.Name),
				"valueFrom was not resolved to a value before reaching runpod-kubelet (is SkipDownwardAPIResolution set?)")
		}
		if strings.HasPrefix(e.Name, OwnershipEnvPrefix) {
			return nil, refused(fmt.Sprintf("env %q", e.Name), fmt.Sprintf(
				"the %s prefix is reserved for runpod-kubelet's ownership markers; rename the variable", OwnershipEnvPrefix))
		}
		env[e.Name] = e.Value
	}
	return env, nil
}

// dropServiceLinks removes the service-link variables the pod controller
// added, which point at cluster IPs a RunPod pod cannot reach. A variable is
// dropped only when its name AND value are exactly what a Service passed in
// generates, and the user did not declare that name in the stored pod's env.
// It returns the kept env and the sorted dropped names.
func dropServiceLinks(env, links map[string]string, declared map[string]bool) (map[string]string, []string) {
	kept := make(map[string]string, len(env))
	var dropped []string
	for name, value := range env {
		if linkValue, isLink := links[name]; isLink && linkValue == value && !declared[name] {
			dropped = append(dropped, name)
			continue
		}
		kept[name] = value
	}
	sort.Strings(dropped)
	return kept, dropped
}
