package policy

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The kubelet's SSH access keeps the account's keys and the pod's own,
// adds its key and 22/tcp once, and stays out of pods that opt out.
func TestSSHAccessInTheRequest(t *testing.T) {
	access := &SSHAccess{PublicKey: "ssh-ed25519 NODEKEY runpod-kubelet@virtual-runpod",
		AccountKeys: []string{"ssh-ed25519 ALICE alice@laptop", "ssh-rsa BOB bob"}}
	tests := []struct {
		name      string
		mods      []func(*corev1.Pod)
		access    *SSHAccess
		wantKeys  []string // PUBLIC_KEY lines; nil = no PUBLIC_KEY
		wantPorts []string
	}{
		{name: "account keys and the node's", access: access,
			wantKeys:  []string{"ssh-ed25519 ALICE alice@laptop", "ssh-rsa BOB bob", "ssh-ed25519 NODEKEY runpod-kubelet@virtual-runpod"},
			wantPorts: []string{"22/tcp"}},
		{name: "the pod's own key is kept", access: access,
			mods:      []func(*corev1.Pod){withEnv("PUBLIC_KEY", "ssh-ed25519 CAROL carol\nssh-rsa BOB bob")},
			wantKeys:  []string{"ssh-ed25519 ALICE alice@laptop", "ssh-rsa BOB bob", "ssh-ed25519 CAROL carol", "ssh-ed25519 NODEKEY runpod-kubelet@virtual-runpod"},
			wantPorts: []string{"22/tcp"}},
		{name: "a 22 port of the pod's is not doubled", access: access,
			mods: []func(*corev1.Pod){func(p *corev1.Pod) {
				p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 22}, {ContainerPort: 8888}}
			}},
			wantKeys:  []string{"ssh-ed25519 ALICE alice@laptop", "ssh-rsa BOB bob", "ssh-ed25519 NODEKEY runpod-kubelet@virtual-runpod"},
			wantPorts: []string{"22/tcp", "8888/http"}},
		{name: "opted out", access: access, mods: []func(*corev1.Pod){withAnnotations(AnnotationSSH, "false")}},
		{name: "SSH off on the node", access: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := testPod(append([]func(*corev1.Pod){func(p *corev1.Pod) { p.Spec.Containers[0].Command = []string{"serve"} }}, tt.mods...)...)
			plan, err := Plan(Input{Pod: pod, Node: testNode(), CPUCatalog: testCPUCatalog(), SSH: tt.access})
			if err != nil {
				t.Fatal(err)
			}
			req := plan.Candidates[0].Request
			if tt.wantKeys == nil {
				if req.StartSsh || plan.SSH || slices.Contains(req.Ports, "22/tcp") || strings.Contains(req.Env[EnvPublicKey], "NODEKEY") {
					t.Errorf("request %+v carries the kubelet's SSH", req)
				}
				return
			}
			if got := strings.Split(req.Env[EnvPublicKey], "\n"); !slices.Equal(got, tt.wantKeys) {
				t.Errorf("PUBLIC_KEY lines %q, want %q", got, tt.wantKeys)
			}
			if !req.StartSsh || !plan.SSH || !slices.Equal(req.Ports, tt.wantPorts) {
				t.Errorf("startSsh %v, plan.SSH %v, ports %q; want true, true, %q", req.StartSsh, plan.SSH, req.Ports, tt.wantPorts)
			}
		})
	}
}
