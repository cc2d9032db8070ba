package policy

import (
	"slices"
	"testing"
)

func TestAllowedDataCenters(t *testing.T) {
	tests := []struct {
		name    string
		node    []string
		pod     map[string]string
		job     map[string]string
		want    []string
		wantErr []string
	}{
		{name: "neither: RunPod chooses", want: nil},
		{name: "node only", node: []string{"US-TX-3", " EU-RO-1 ", ""}, want: []string{"US-TX-3", "EU-RO-1"}},
		{name: "pod only", pod: annotationsOf(AnnotationDataCenterIDs, "EU-RO-1"), want: []string{"EU-RO-1"}},
		{name: "pod narrows node list", node: []string{"US-TX-3", "EU-RO-1", "US-CA-2"},
			pod: annotationsOf(AnnotationDataCenterIDs, "US-CA-2,US-TX-3"), want: []string{"US-CA-2", "US-TX-3"}},
		{name: "case-insensitive, node spelling kept", node: []string{"US-TX-3"},
			pod: annotationsOf(AnnotationDataCenterIDs, "us-tx-3,US-tx-3"), want: []string{"US-TX-3"}},
		{name: "outside allow-list refused", node: []string{"US-TX-3", "US-CA-2"}, pod: annotationsOf(AnnotationDataCenterIDs, "US-TX-3,EU-RO-1"),
			wantErr: []string{`annotation runpod.io/datacenter-ids: "EU-RO-1" is outside this node's allowed data centers (US-TX-3, US-CA-2)`}},
		{name: "outside allow-list from job names the job", node: []string{"US-TX-3"}, job: annotationsOf(AnnotationDataCenterIDs, "EU-RO-1"),
			wantErr: []string{"(on the owning Job)", `"EU-RO-1" is outside`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAnnotations(tt.pod, tt.job)
			if err != nil {
				t.Fatal(err)
			}
			got, err := allowedDataCenters(tt.node, &a)
			if tt.wantErr != nil {
				wantPolicyError(t, err, ErrRefused, tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
