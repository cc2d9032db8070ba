package policy

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

const (
	// AnnotationDefaultContainer is Kubernetes' own key naming a pod's main
	// container; here it chooses the one container RunPod runs.
	AnnotationDefaultContainer = "kubectl.kubernetes.io/default-container"
	// AnnotationDropContainers lists containers (app or init) the user accepts
	// not running on RunPod, e.g. injected sidecars.
	AnnotationDropContainers = "runpod.io/drop-containers"
)

func parseDefaultContainer(v string, a *Annotations) string {
	if !isToken(v) {
		return fmt.Sprintf("%q is not a container name", v)
	}
	a.DefaultContainer = v
	return ""
}

func parseDropContainers(v string, a *Annotations) string {
	names := splitList(v)
	if len(names) == 0 {
		return fmt.Sprintf("%q lists no container names", v)
	}
	for _, n := range names {
		if !isToken(n) {
			return fmt.Sprintf("%q is not a container name", n)
		}
	}
	a.DropContainers = names
	return ""
}

// selectContainer picks the one container a RunPod pod runs. RunPod runs one
// container and has no init step, so every other container must be named in
// runpod.io/drop-containers: kubectl.kubernetes.io/default-container alone only
// says which one is main (webhooks set it when they inject sidecars), not that
// dropping the rest is safe. It returns the chosen container and the names dropped.
func selectContainer(pod *corev1.Pod, a *Annotations) (*corev1.Container, []string, error) {
	all := make([]string, 0, len(pod.Spec.InitContainers)+len(pod.Spec.Containers))
	for _, c := range pod.Spec.InitContainers {
		all = append(all, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		all = append(all, c.Name)
	}
	for _, n := range a.DropContainers {
		if !slices.Contains(all, n) {
			return nil, nil, refused(a.field(AnnotationDropContainers),
				fmt.Sprintf("the pod has no container %q (containers: %s)", n, strings.Join(all, ", ")))
		}
	}
	var kept []*corev1.Container
	for i := range pod.Spec.Containers {
		if !slices.Contains(a.DropContainers, pod.Spec.Containers[i].Name) {
			kept = append(kept, &pod.Spec.Containers[i])
		}
	}
	if a.DefaultContainer != "" {
		if err := checkDefault(a, all, kept); err != nil {
			return nil, nil, err
		}
	}
	if len(kept) != 1 {
		return nil, nil, tooManyContainers(pod, kept, a)
	}
	for _, c := range pod.Spec.InitContainers {
		if !slices.Contains(a.DropContainers, c.Name) {
			return nil, nil, refused(fmt.Sprintf("init container %q", c.Name), fmt.Sprintf(
				"RunPod runs one container and has no init step; list it in %s to run %q without it",
				AnnotationDropContainers, kept[0].Name))
		}
	}
	var dropped []string
	for _, n := range all {
		if n != kept[0].Name {
			dropped = append(dropped, n)
		}
	}
	return kept[0], dropped, nil
}

// checkDefault refuses a default container that does not exist or was dropped.
func checkDefault(a *Annotations, all []string, kept []*corev1.Container) error {
	for _, c := range kept {
		if c.Name == a.DefaultContainer {
			return nil
		}
	}
	if slices.Contains(a.DropContainers, a.DefaultContainer) {
		return refused(a.field(AnnotationDefaultContainer), fmt.Sprintf(
			"container %q is also listed in %s", a.DefaultContainer, AnnotationDropContainers))
	}
	return refused(a.field(AnnotationDefaultContainer), fmt.Sprintf(
		"the pod has no container %q (containers: %s)", a.DefaultContainer, strings.Join(all, ", ")))
}

// tooManyContainers explains why zero or several app containers remain.
func tooManyContainers(pod *corev1.Pod, kept []*corev1.Container, a *Annotations) error {
	if len(pod.Spec.Containers) == 0 {
		return refused("containers", "the pod has no containers")
	}
	if len(kept) == 0 {
		return refused("containers", fmt.Sprintf(
			"every container of the pod is listed in %s; one must remain to run", AnnotationDropContainers))
	}
	var others []string
	for _, c := range kept {
		if c.Name != a.DefaultContainer {
			others = append(others, c.Name)
		}
	}
	if a.DefaultContainer != "" {
		return refused(fmt.Sprintf("container %q", others[0]), fmt.Sprintf(
			"%s chooses %q, but %s would be dropped; list them in %s to accept that",
			AnnotationDefaultContainer, a.DefaultContainer, quoteAll(others), AnnotationDropContainers))
	}
	return refused(fmt.Sprintf("container %q", kept[1].Name), fmt.Sprintf(
		"%d containers found; runpod-kubelet runs exactly one per pod (set %s to choose one and list the others in %s)",
		len(pod.Spec.Containers), AnnotationDefaultContainer, AnnotationDropContainers))
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// RunningContainer names the container a RunPod pod runs for this pod, given
// the annotations of its owning Job (nil when none). Status reporting uses it
// for pods adopted without a fresh plan.
func RunningContainer(pod *corev1.Pod, jobAnnotations map[string]string) (string, error) {
	a, err := ParseAnnotations(pod.Annotations, jobAnnotations)
	if err != nil {
		return "", err
	}
	c, _, err := selectContainer(pod, &a)
	if err != nil {
		return "", err
	}
	return c.Name, nil
}
