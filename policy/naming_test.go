package policy

import (
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	long := strings.Repeat("very-long-node-name.", 40)
	tests := []struct {
		name, cluster, node, uid string
		wantPrefix               string
		wantErr                  bool
	}{
		{name: "readable", cluster: "prod-eu", node: "runpod", uid: testUID, wantPrefix: "rpk-prod-eu-runpod-"},
		{name: "sanitised", cluster: "Prod EU/1", node: "runpod.kubelet_A", uid: testUID, wantPrefix: "rpk-prod-eu-1-runpod-kubelet-a-"},
		{name: "nothing readable", cluster: "∆∆", node: "--", uid: testUID, wantPrefix: "rpk-x-x-"},
		{name: "very long node name", cluster: strings.Repeat("c", 300), node: long, uid: testUID, wantPrefix: "rpk-" + strings.Repeat("c", 24) + "-very-long-node-name-"},
		{name: "longest uid", cluster: "c", node: "n", uid: strings.Repeat("a", 64), wantPrefix: "rpk-c-n-"},
		{name: "empty cluster", node: "n", uid: testUID, wantErr: true},
		{name: "empty node", cluster: "c", uid: testUID, wantErr: true},
		{name: "empty uid", cluster: "c", node: "n", wantErr: true},
		{name: "uid too long", cluster: "c", node: "n", uid: strings.Repeat("a", 65), wantErr: true},
		{name: "uid with slash", cluster: "c", node: "n", uid: "a/b", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Name(tt.cluster, tt.node, tt.uid)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(got, tt.wantPrefix) || !strings.HasSuffix(got, "-"+tt.uid) {
				t.Errorf("got %q, want prefix %q and suffix %q", got, tt.wantPrefix, tt.uid)
			}
			if len(got) > maxNameLength {
				t.Errorf("name has %d characters, more than %d", len(got), maxNameLength)
			}
			again, _ := Name(tt.cluster, tt.node, tt.uid)
			if again != got {
				t.Errorf("not deterministic: %q then %q", got, again)
			}
			if uid, ok := OwnedBy(got, tt.cluster, tt.node); !ok || uid != tt.uid {
				t.Errorf("OwnedBy(%q) = %q, %v", got, uid, ok)
			}
		})
	}
}

func TestNameLongestFitsRunPodLimit(t *testing.T) {
	got, err := Name(strings.Repeat("a1", 500), strings.Repeat("b2", 500), strings.Repeat("f", maxPodUIDLength))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 185 || len(got) > maxNameLength {
		t.Errorf("longest name has %d characters: %q", len(got), got)
	}
}

func TestOwnedBy(t *testing.T) {
	mine, _ := Name("prod-eu", "runpod", testUID)
	otherCluster, _ := Name("prod-us", "runpod", testUID)
	otherNode, _ := Name("prod-eu", "runpod-2", testUID)
	// Readable parts collide ("a.b" and "a-b" both slug to "a-b"); the hash tells them apart.
	collide, _ := Name("prod-eu", "a.b", testUID)
	tests := []struct {
		name, pod string
		wantOK    bool
	}{
		{"mine", mine, true},
		{"other cluster", otherCluster, false},
		{"other node", otherNode, false},
		{"colliding readable node name", collide, false},
		{"hand-made", "my-training-pod", false},
		{"hand-made look-alike", "rpk-prod-eu-runpod-0000000000-" + testUID, false},
		{"prefix without uid", strings.TrimSuffix(mine, testUID), false},
		{"uid with junk", mine + "/x", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := "runpod"
			if tt.name == "colliding readable node name" {
				node = "a-b"
			}
			uid, ok := OwnedBy(tt.pod, "prod-eu", node)
			if ok != tt.wantOK || (ok && uid != testUID) {
				t.Errorf("OwnedBy(%q) = %q, %v; want ok=%v", tt.pod, uid, ok, tt.wantOK)
			}
		})
	}
	if _, ok := OwnedBy(mine, "", "runpod"); ok {
		t.Error("empty cluster id owns a name")
	}
}

// FuzzNameOwnedBy: any cluster, node and valid UID round-trip through OwnedBy,
// stay within RunPod's limit, and are never claimed by another cluster.
func FuzzNameOwnedBy(f *testing.F) {
	f.Add("prod-eu", "runpod", testUID)
	f.Add("", "n", "u")
	f.Add("Ünïcode ✓", strings.Repeat("x.", 200), "ABC-def-123")
	f.Fuzz(func(t *testing.T, cluster, node, uid string) {
		name, err := Name(cluster, node, uid)
		if err != nil {
			return
		}
		if len(name) > maxNameLength {
			t.Fatalf("%d characters: %q", len(name), name)
		}
		if got, ok := OwnedBy(name, cluster, node); !ok || got != uid {
			t.Fatalf("OwnedBy(%q) = %q, %v", name, got, ok)
		}
		if _, ok := OwnedBy(name, cluster+"x", node); ok {
			t.Fatalf("another cluster claims %q", name)
		}
	})
}
