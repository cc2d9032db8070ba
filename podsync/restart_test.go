package podsync

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestDecideAfterExit(t *testing.T) {
	tests := []struct {
		policy corev1.RestartPolicy
		status runpodapi.PodStatus
		want   afterExit
	}{
		{corev1.RestartPolicyAlways, runpodapi.StatusExited, restart},
		{corev1.RestartPolicyAlways, runpodapi.StatusError, restart},
		{"", runpodapi.StatusExited, restart},
		{corev1.RestartPolicyOnFailure, runpodapi.StatusExited, succeed},
		{corev1.RestartPolicyOnFailure, runpodapi.StatusError, restart},
		{corev1.RestartPolicyNever, runpodapi.StatusExited, succeed},
		{corev1.RestartPolicyNever, runpodapi.StatusError, fail},
		{corev1.RestartPolicyNever, runpodapi.StatusRunning, keepGoing},
		{corev1.RestartPolicyAlways, runpodapi.StatusProvisioning, keepGoing},
		{corev1.RestartPolicyAlways, runpodapi.StatusStarting, keepGoing},
	}
	for _, tt := range tests {
		if got := decideAfterExit(tt.policy, tt.status); got != tt.want {
			t.Errorf("decideAfterExit(%q, %s) = %d, want %d", tt.policy, tt.status, got, tt.want)
		}
	}
}
