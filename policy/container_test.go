package policy

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestSelectContainer(t *testing.T) {
	c := func(names ...string) []corev1.Container {
		var out []corev1.Container
		for _, n := range names {
			out = append(out, corev1.Container{Name: n, Image: "img"})
		}
		return out
	}
	tests := []struct {
		name        string
		containers  []corev1.Container
		init        []corev1.Container
		ann         map[string]string
		want        string
		wantDropped []string
		wantErr     []string
	}{
		{name: "one container", containers: c("main"), want: "main"},
		{name: "default container names the only one", containers: c("main"), ann: annotationsOf(AnnotationDefaultContainer, "main"), want: "main"},
		{name: "two containers refused", containers: c("main", "sidecar"),
			wantErr: []string{`container "sidecar": 2 containers found; runpod-kubelet runs exactly one per pod (set kubectl.kubernetes.io/default-container`}},
		{name: "default container alone is not consent", containers: c("main", "istio-proxy"), ann: annotationsOf(AnnotationDefaultContainer, "main"),
			wantErr: []string{`container "istio-proxy"`, `chooses "main", but "istio-proxy" would be dropped; list them in runpod.io/drop-containers`}},
		{name: "default plus drop list", containers: c("istio-proxy", "main"), init: c("istio-init"),
			ann:  annotationsOf(AnnotationDefaultContainer, "main", AnnotationDropContainers, "istio-proxy,istio-init"),
			want: "main", wantDropped: []string{"istio-init", "istio-proxy"}},
		{name: "drop list alone suffices", containers: c("main", "log-shipper"), ann: annotationsOf(AnnotationDropContainers, "log-shipper"),
			want: "main", wantDropped: []string{"log-shipper"}},
		{name: "init container refused", containers: c("main"), init: c("fetch-weights"),
			wantErr: []string{`init container "fetch-weights": RunPod runs one container and has no init step; list it in runpod.io/drop-containers`}},
		{name: "drop list names unknown container", containers: c("main"), ann: annotationsOf(AnnotationDropContainers, "sidecar"),
			wantErr: []string{`annotation runpod.io/drop-containers: the pod has no container "sidecar" (containers: main)`}},
		{name: "default container unknown", containers: c("main", "b"), ann: annotationsOf(AnnotationDefaultContainer, "web"),
			wantErr: []string{`annotation kubectl.kubernetes.io/default-container: the pod has no container "web"`}},
		{name: "default container dropped", containers: c("main", "b"), ann: annotationsOf(AnnotationDefaultContainer, "b", AnnotationDropContainers, "b"),
			wantErr: []string{`container "b" is also listed in runpod.io/drop-containers`}},
		{name: "everything dropped", containers: c("a"), ann: annotationsOf(AnnotationDropContainers, "a"),
			wantErr: []string{"every container of the pod is listed in runpod.io/drop-containers"}},
		{name: "no containers", wantErr: []string{"containers: the pod has no containers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAnnotations(tt.ann, nil)
			if err != nil {
				t.Fatal(err)
			}
			pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: tt.containers, InitContainers: tt.init}}
			got, dropped, err := selectContainer(pod, &a)
			if tt.wantErr != nil {
				wantPolicyError(t, err, ErrRefused, tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tt.want || !slices.Equal(dropped, tt.wantDropped) {
				t.Errorf("got %q dropping %q, want %q dropping %q", got.Name, dropped, tt.want, tt.wantDropped)
			}
		})
	}
}

func TestRunningContainer(t *testing.T) {
	two := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}, {Name: "istio-proxy"}}}}
	tests := []struct {
		name    string
		pod     *corev1.Pod
		job     map[string]string
		want    string
		wantErr bool
	}{
		{"single", &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main"}}}}, nil, "main", false},
		{"sidecar dropped on the Job", two, map[string]string{AnnotationDropContainers: "istio-proxy"}, "app", false},
		{"two without consent", two, nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RunningContainer(tt.pod, tt.job)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("RunningContainer = %q, %v; want %q, err %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
