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
		{"name of another node", runpodapi.Pod{Name: mustName(t, "prod-eu", "runpod-2"), Env: with(EnvNodeName, "runpod-2")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uid, ok := Owned(&tt.pod, "prod-eu", "runpod")
			if ok != tt.wantOK || (ok && uid != testUID) {
				t.Errorf("Owned = %q, %v; want %v", uid, ok, tt.wantOK)
			}
			if uid2, ok2 := NewOwner("prod-eu", "runpod").Owns(&tt.pod); uid2 != uid || ok2 != ok {
				t.Errorf("Owner.Owns = %q, %v; Owned = %q, %v", uid2, ok2, uid, ok)
			}
		})
	}
	for _, o := range []Owner{NewOwner("", "runpod"), NewOwner("prod-eu", ""), {}} {
		if _, ok := o.Owns(&runpodapi.Pod{Name: name, Env: env}); ok {
			t.Errorf("%+v owns a pod", o)
		}
	}
}

func mustName(t *testing.T, cluster, node string) string {
	t.Helper()
	n, err := Name(cluster, node, testUID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
