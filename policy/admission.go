package policy

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
)

// Admission is what a kubelet checks before it runs a pod at all, whatever
// the pod asks for: the node's taints and the namespaces the node serves.
type Admission struct {
	NodeName string
	// Taints are the node's own taints; a pod must tolerate each NoSchedule
	// and NoExecute one. A pod bound by spec.nodeName skips the scheduler,
	// so this is the only place the taint is enforced for it.
	Taints []corev1.Taint
	// Namespaces is the allow-list of namespaces (ALLOWED_NAMESPACES); empty = all.
	Namespaces []string
}

// Rejection is why a pod is refused at admission: like a kubelet, the pod
// ends Failed with Reason and Message, and no RunPod call is made for it.
type Rejection struct {
	Reason  string // status.reason: ReasonUntoleratedTaint or ReasonNamespaceNotAllowed
	Message string // status.message, "Pod was rejected: ..."
}

// Admission rejection reasons; UntoleratedTaint is the kubelet's own.
const (
	ReasonUntoleratedTaint    = "UntoleratedTaint"
	ReasonNamespaceNotAllowed = "NamespaceNotAllowed"
)

// Admit returns nil when the node may run pod, else why not.
func Admit(pod *corev1.Pod, a Admission) *Rejection {
	if len(a.Namespaces) > 0 && !slices.Contains(a.Namespaces, pod.Namespace) {
		return &Rejection{Reason: ReasonNamespaceNotAllowed, Message: fmt.Sprintf(
			"Pod was rejected: node %s runs pods of the namespaces %s only (ALLOWED_NAMESPACES), not %q",
			a.NodeName, strings.Join(a.Namespaces, ", "), pod.Namespace)}
	}
	if taint := untolerated(a.Taints, pod.Spec.Tolerations); taint != nil {
		return &Rejection{Reason: ReasonUntoleratedTaint, Message: fmt.Sprintf(
			"Pod was rejected: node %s has taint {%s: %s} with effect %s that the pod does not tolerate; add the toleration to run it on RunPod",
			a.NodeName, taint.Key, taint.Value, taint.Effect)}
	}
	return nil
}

// untolerated is the first NoSchedule or NoExecute taint no toleration matches.
func untolerated(taints []corev1.Taint, tolerations []corev1.Toleration) *corev1.Taint {
	for i := range taints {
		t := &taints[i]
		if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		if !slices.ContainsFunc(tolerations, func(tol corev1.Toleration) bool { return tol.ToleratesTaint(klog.Background(), t, true) }) {
			return t
		}
	}
	return nil
}
