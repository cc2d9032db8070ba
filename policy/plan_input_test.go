package policy

import (
	"errors"
	"math"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestPlanInputErrors(t *testing.T) {
	otherJob := testJob()
	otherJob.Name = "someone-else"
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{name: "no pod", in: Input{Node: testNode()}, want: "no pod given"},
		{name: "no cluster id", in: Input{Pod: testPod(), Node: NodeSettings{NodeName: "n"}}, want: "need a cluster id and a node name"},
		{name: "no node name", in: Input{Pod: testPod(), Node: NodeSettings{ClusterID: "c"}}, want: "need a cluster id and a node name"},
		{name: "NaN price", in: Input{Pod: testPod(), Node: NodeSettings{ClusterID: "c", NodeName: "n", MaxGPUPrice: math.NaN()}}, want: "is not a price"},
		{name: "negative price", in: Input{Pod: testPod(), Node: NodeSettings{ClusterID: "c", NodeName: "n", MaxGPUPrice: -1}}, want: "is not a price"},
		{name: "bad cloud", in: Input{Pod: testPod(), Node: NodeSettings{ClusterID: "c", NodeName: "n", CloudType: "ALL"}}, want: `node cloud type "ALL"`},
		{name: "job does not own pod", in: Input{Pod: testPod(ownedBy(testJob())), Job: otherJob, Node: testNode()}, want: `Job "someone-else" does not own the pod`},
		{name: "pod without uid", in: Input{Pod: testPod(func(p *corev1.Pod) { p.UID = "" }), Node: testNode()}, want: "pod UID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Plan(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if errors.Is(err, ErrRefused) || errors.Is(err, ErrNoCandidates) {
				t.Errorf("caller mistake reported as the user's: %v", err)
			}
		})
	}
}

func TestCatalogQueryFor(t *testing.T) {
	job := testJob(AnnotationCloudType, "COMMUNITY")
	tests := []struct {
		name    string
		in      Input
		want    CatalogQuery
		wantErr bool
	}{
		{name: "CPU pod", in: Input{Pod: testPod(), Node: testNode()}, want: CatalogQuery{CPU: true}},
		{name: "GPU annotation on a CPU pod refused before any catalog read",
			in: Input{Pod: testPod(withAnnotations(AnnotationMinCUDAVersion, "12.4")), Node: testNode()}, wantErr: true},
		{name: "GPU pod, cloud from Job", in: Input{Pod: testPod(withGPUs("4"), ownedBy(job)), Job: job, Node: testNode()},
			want: CatalogQuery{GPUCount: 4, Cloud: runpodapi.CloudCommunity}},
		{name: "refused pod", in: Input{Pod: testPod(withAnnotations(AnnotationCloudType, "x")), Node: testNode()}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CatalogQueryFor(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestOwningJobName(t *testing.T) {
	tests := []struct {
		name   string
		refs   []metav1.OwnerReference
		want   string
		wantOK bool
	}{
		{name: "none"},
		{name: "replica set", refs: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs"}}},
		{name: "job", refs: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: "j"}}, want: "j", wantOK: true},
		{name: "job of another group", refs: []metav1.OwnerReference{{APIVersion: "example.com/v1", Kind: "Job", Name: "j"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := OwningJobName(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{OwnerReferences: tt.refs}})
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %q, %v", got, ok)
			}
		})
	}
}
