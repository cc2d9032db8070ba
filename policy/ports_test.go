package policy

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestPodPorts(t *testing.T) {
	tcp := func(p int32) corev1.ContainerPort { return corev1.ContainerPort{ContainerPort: p} }
	tests := []struct {
		name    string
		ports   []corev1.ContainerPort
		ann     map[string]string
		want    []string
		wantErr []string
	}{
		{name: "no ports", want: nil},
		{name: "http ports", ports: []corev1.ContainerPort{tcp(80), tcp(443), tcp(3000), tcp(5000), tcp(8000), tcp(8080), tcp(8888), tcp(9000)},
			want: []string{"80/http", "443/http", "3000/http", "5000/http", "8000/http", "8080/http", "8888/http", "9000/http"}},
		{name: "tcp ports and explicit TCP", ports: []corev1.ContainerPort{tcp(22), {ContainerPort: 6379, Protocol: corev1.ProtocolTCP}},
			want: []string{"22/tcp", "6379/tcp"}},
		{name: "repeated port once", ports: []corev1.ContainerPort{tcp(8888), {Name: "again", ContainerPort: 8888}}, want: []string{"8888/http"}},
		{name: "UDP refused", ports: []corev1.ContainerPort{tcp(80), {ContainerPort: 53, Protocol: corev1.ProtocolUDP}},
			wantErr: []string{"port 53/UDP: RunPod exposes TCP ports only", "runpod.io/ports"}},
		{name: "SCTP refused", ports: []corev1.ContainerPort{{ContainerPort: 9, Protocol: corev1.ProtocolSCTP}}, wantErr: []string{"port 9/SCTP"}},
		{name: "annotation overrides, UDP ignored", ports: []corev1.ContainerPort{{ContainerPort: 53, Protocol: corev1.ProtocolUDP}},
			ann: annotationsOf(AnnotationPorts, "8080/http,22/tcp"), want: []string{"8080/http", "22/tcp"}},
		{name: "annotation can force tcp on an http port", ports: []corev1.ContainerPort{tcp(8080)},
			ann: annotationsOf(AnnotationPorts, "8080/tcp"), want: []string{"8080/tcp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAnnotations(tt.ann, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := &corev1.Container{Name: "main", Ports: tt.ports}
			got, err := podPorts(c, &a)
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
