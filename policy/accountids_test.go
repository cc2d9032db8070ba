package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestIDAllowList(t *testing.T) {
	tests := []struct {
		setting string
		err     bool
		allowed []string // namespace/id pairs allowed
		refused []string
	}{
		{setting: "", allowed: []string{"any/thing"}},
		{setting: "team-a/vol-1, shared", allowed: []string{"team-a/vol-1", "team-a/shared", "team-b/shared"},
			refused: []string{"team-b/vol-1", "team-a/vol-2"}},
		{setting: "team-a/vol-1,team-b/vol-2", allowed: []string{"team-a/vol-1", "team-b/vol-2"}, refused: []string{"team-a/vol-2"}},
		{setting: "team-a/", err: true},
		{setting: "/vol", err: true},
		{setting: "a/b/c", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.setting, func(t *testing.T) {
			l, err := ParseIDAllowList(tt.setting)
			if (err != nil) != tt.err {
				t.Fatalf("ParseIDAllowList(%q) err %v, want error %v", tt.setting, err, tt.err)
			}
			for _, pair := range tt.allowed {
				ns, id, _ := strings.Cut(pair, "/")
				if !l.Allows(ns, id) {
					t.Errorf("%s refused", pair)
				}
			}
			for _, pair := range tt.refused {
				ns, id, _ := strings.Cut(pair, "/")
				if l.Allows(ns, id) {
					t.Errorf("%s allowed", pair)
				}
			}
		})
	}
}

func TestAccountIDsRefuseWhatTheNamespaceMayNotName(t *testing.T) {
	vols, _ := ParseIDAllowList("team-a/vol-a")
	tpls, _ := ParseIDAllowList("tpl-shared")
	ids := AccountIDs{NetworkVolumes: vols, Templates: tpls}
	for _, tc := range []struct {
		namespace string
		ann       Annotations
		want      string // "" = allowed
	}{
		{"team-a", Annotations{NetworkVolumeID: "vol-a", TemplateID: "tpl-shared"}, ""},
		{"team-b", Annotations{NetworkVolumeID: "vol-a"}, "annotation runpod.io/network-volume-id: \"vol-a\" is not an id namespace team-b may use (node ALLOWED_NETWORK_VOLUME_IDS)"},
		{"team-b", Annotations{TemplateID: "tpl-team-a"}, "ALLOWED_TEMPLATE_IDS"},
		{"team-b", Annotations{RegistryAuthID: "reg-1"}, ""}, // no list for registries: any id
	} {
		err := checkAccountIDs(tc.namespace, &tc.ann, ids)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %+v refused: %v", tc.namespace, tc.ann, err)
		case tc.want != "" && (err == nil || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %+v: %v, want a refusal containing %q", tc.namespace, tc.ann, err, tc.want)
		}
	}
}
