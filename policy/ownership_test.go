package policy

import (
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestOwned(t *testing.T) {
	name, _ := Name("prod-eu", "runpod", testUID)
	env := ownershipEnv("prod-eu", "runpod", testPod())
	if env[EnvPodNamespace] != "ml" || env[EnvPodName] != "train" || env[EnvPodUID] != testUID {
		t.Fatalf("ownership env %v", env)
	}
	with := func(k, v string) map[string]string {
		m := ownershipEnv("prod-eu", "runpod", testPod())
		m[k] = v
		return m
	}
	tests := []struct {
		name   string
		pod    runpodapi.Pod
		wantOK bool
	}{
		{"name and env match", runpodapi.Pod{Name: name, Env: env}, true},
		{"env missing", runpodapi.Pod{Name: name}, false},
		{"env of another cluster", runpodapi.Pod{Name: name, Env: with(EnvClusterID, "prod-us")}, false},
		{"env of another node", runpodapi.Pod{Name: name, Env: with(EnvNodeName, "x")}, false},
		{"env of another pod", runpodapi.Pod{Name: name, Env: with(EnvPodUID, "other")}, false},
		{"name not ours", runpodapi.Pod{Name: "my-pod", Env: env}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uid, ok := Owned(&tt.pod, "prod-eu", "runpod")
			if ok != tt.wantOK || (ok && uid != testUID) {
				t.Errorf("Owned = %q, %v; want %v", uid, ok, tt.wantOK)
			}
		})
	}
}
