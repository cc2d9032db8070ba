package policy

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestAdmit(t *testing.T) {
	taint := corev1.Taint{Key: "virtual-kubelet.io/provider", Value: "runpod", Effect: corev1.TaintEffectNoSchedule}
	exec := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoExecute}
	prefer := corev1.Taint{Key: "soft", Value: "x", Effect: corev1.TaintEffectPreferNoSchedule}
	tol := func(ts ...corev1.Toleration) []corev1.Toleration { return ts }
	exact := corev1.Toleration{Key: taint.Key, Operator: corev1.TolerationOpEqual, Value: "runpod", Effect: corev1.TaintEffectNoSchedule}
	tests := []struct {
		name        string
		namespace   string
		tolerations []corev1.Toleration
		taints      []corev1.Taint
		namespaces  []string
		want        string // reason, "" = admitted
		message     string
	}{
		{name: "tolerates the provider taint", tolerations: tol(exact), taints: []corev1.Taint{taint}},
		{name: "no toleration", taints: []corev1.Taint{taint}, want: ReasonUntoleratedTaint,
			message: "taint {virtual-kubelet.io/provider: runpod} with effect NoSchedule"},
		{name: "wrong value", tolerations: tol(corev1.Toleration{Key: taint.Key, Value: "aci", Effect: corev1.TaintEffectNoSchedule}),
			taints: []corev1.Taint{taint}, want: ReasonUntoleratedTaint},
		{name: "Exists on the key", tolerations: tol(corev1.Toleration{Key: taint.Key, Operator: corev1.TolerationOpExists}),
			taints: []corev1.Taint{taint}},
		{name: "tolerate everything", tolerations: tol(corev1.Toleration{Operator: corev1.TolerationOpExists}),
			taints: []corev1.Taint{taint, exec}},
		{name: "a NoExecute taint too", tolerations: tol(exact), taints: []corev1.Taint{taint, exec}, want: ReasonUntoleratedTaint,
			message: "{dedicated: gpu} with effect NoExecute"},
		{name: "PreferNoSchedule does not gate", tolerations: tol(exact), taints: []corev1.Taint{taint, prefer}},
		{name: "namespace allowed", namespace: "team-a", tolerations: tol(exact), taints: []corev1.Taint{taint}, namespaces: []string{"team-a", "team-b"}},
		{name: "namespace not allowed", namespace: "team-c", tolerations: tol(exact), taints: []corev1.Taint{taint},
			namespaces: []string{"team-a", "team-b"}, want: ReasonNamespaceNotAllowed, message: `team-a, team-b only (ALLOWED_NAMESPACES), not "team-c"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := tt.namespace
			if ns == "" {
				ns = "default"
			}
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"}, Spec: corev1.PodSpec{Tolerations: tt.tolerations}}
			r := Admit(pod, Admission{NodeName: "virtual-runpod", Taints: tt.taints, Namespaces: tt.namespaces})
			switch {
			case tt.want == "" && r != nil:
				t.Fatalf("rejected: %+v", r)
			case tt.want == "":
			case r == nil:
				t.Fatalf("admitted, want %s", tt.want)
			case r.Reason != tt.want || !strings.HasPrefix(r.Message, "Pod was rejected: ") || !strings.Contains(r.Message, tt.message):
				t.Errorf("got %+v, want %s containing %q", r, tt.want, tt.message)
			}
		})
	}
}
