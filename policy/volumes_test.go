package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fakeSources serves ConfigMaps and Secrets from maps keyed "namespace/name".
type fakeSources struct {
	cms     map[string]*corev1.ConfigMap
	secrets map[string]*corev1.Secret
}

func (f fakeSources) ConfigMap(ns, name string) (*corev1.ConfigMap, error) {
	if cm, ok := f.cms[ns+"/"+name]; ok {
		return cm, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("configmaps"), name)
}

func (f fakeSources) Secret(ns, name string) (*corev1.Secret, error) {
	if s, ok := f.secrets[ns+"/"+name]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("secrets"), name)
}

func testSources() fakeSources {
	return fakeSources{
		cms: map[string]*corev1.ConfigMap{"ml/app": {Data: map[string]string{"app.conf": "threads = 4\n", "other": "x"},
			BinaryData: map[string][]byte{"blob": {0, 0xff}}}},
		secrets: map[string]*corev1.Secret{"ml/token": {Data: map[string][]byte{"token": []byte("s3cr3t")}}},
	}
}

func ptr[T any](v T) *T { return &v }

func TestMountsOf(t *testing.T) {
	token := corev1.Volume{Name: "kube-api-access-x7k2p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}}}}}
	tests := []struct {
		name      string
		volume    corev1.Volume
		mount     corev1.VolumeMount
		want      []string // "path mode data"
		wantDirs  []string
		wantError string
		missing   bool // errors.Is ErrSourceMissing
	}{
		{name: "configMap, every key", volume: cmVolume("cfg", "app", nil, nil),
			mount: corev1.VolumeMount{Name: "cfg", MountPath: "/etc/app"},
			want:  []string{"/etc/app/app.conf 420 threads = 4\n", "/etc/app/blob 420 \x00\xff", "/etc/app/other 420 x"}},
		{name: "configMap items, modes and subPath", volume: cmVolume("cfg", "app", []corev1.KeyToPath{{Key: "app.conf", Path: "conf/app.conf", Mode: ptr(int32(0o600))}}, ptr(int32(0o640))),
			mount: corev1.VolumeMount{Name: "cfg", MountPath: "/etc/app.conf", SubPath: "conf/app.conf"},
			want:  []string{"/etc/app.conf 384 threads = 4\n"}},
		{name: "secret with defaultMode", volume: corev1.Volume{Name: "tok", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "token", DefaultMode: ptr(int32(0o400))}}},
			mount: corev1.VolumeMount{Name: "tok", MountPath: "/run/secrets/app"},
			want:  []string{"/run/secrets/app/token 256 s3cr3t"}},
		{name: "downward API", volume: corev1.Volume{Name: "info", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "name", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}},
			{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}},
			{Path: "team", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['team']"}},
			{Path: "mem", ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}},
		}}}},
			mount: corev1.VolumeMount{Name: "info", MountPath: "/etc/podinfo"},
			want: []string{"/etc/podinfo/name 420 train", "/etc/podinfo/labels 420 app=\"train\"\nteam=\"ml\"\n",
				"/etc/podinfo/team 420 ml", "/etc/podinfo/mem 420 512"}},
		{name: "projected", volume: corev1.Volume{Name: "all", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "app"}, Items: []corev1.KeyToPath{{Key: "other", Path: "other.txt"}}}},
			{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "token"}}},
		}}}},
			mount: corev1.VolumeMount{Name: "all", MountPath: "/p"},
			want:  []string{"/p/other.txt 420 x", "/p/token 420 s3cr3t"}},
		{name: "emptyDir", volume: corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			mount: corev1.VolumeMount{Name: "scratch", MountPath: "/scratch"}, wantDirs: []string{"/scratch"}},
		{name: "the automatic token volume is dropped", volume: token,
			mount: corev1.VolumeMount{Name: token.Name, MountPath: serviceAccountTokenPath}},
		{name: "a service-account token asked for is refused", volume: corev1.Volume{Name: "mytoken", VolumeSource: token.VolumeSource},
			mount: corev1.VolumeMount{Name: "mytoken", MountPath: "/token"}, wantError: `volume "mytoken": projects a service-account token`},
		{name: "PVC is refused", volume: corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "d"}}},
			mount: corev1.VolumeMount{Name: "data", MountPath: "/data"}, wantError: `volume "data": is a persistentVolumeClaim volume`},
		{name: "hostPath is refused", volume: corev1.Volume{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}},
			mount: corev1.VolumeMount{Name: "host", MountPath: "/host"}, wantError: `volume "host": is a hostPath volume`},
		{name: "a missing ConfigMap waits", volume: cmVolume("cfg", "absent", nil, nil),
			mount: corev1.VolumeMount{Name: "cfg", MountPath: "/etc/app"}, missing: true},
		{name: "an optional missing ConfigMap is an empty directory", volume: func() corev1.Volume {
			v := cmVolume("cfg", "absent", nil, nil)
			v.ConfigMap.Optional = ptr(true)
			return v
		}(), mount: corev1.VolumeMount{Name: "cfg", MountPath: "/etc/app"}, wantDirs: []string{"/etc/app"}},
		{name: "a missing key is refused", volume: cmVolume("cfg", "app", []corev1.KeyToPath{{Key: "nope", Path: "n"}}, nil),
			mount: corev1.VolumeMount{Name: "cfg", MountPath: "/etc/app"}, wantError: `item "nope": ConfigMap app has no such key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "train", Namespace: "ml", Labels: map[string]string{"team": "ml", "app": "train"}},
				Spec: corev1.PodSpec{Volumes: []corev1.Volume{tt.volume}, Containers: []corev1.Container{{Name: "main",
					VolumeMounts: []corev1.VolumeMount{tt.mount},
					Resources:    corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")}}}}}}
			files, dirs, err := mountsOf(pod, &pod.Spec.Containers[0], testSources())
			switch {
			case tt.missing:
				if !errors.Is(err, ErrSourceMissing) {
					t.Fatalf("err %v, want ErrSourceMissing", err)
				}
				return
			case tt.wantError != "":
				if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("err %v, want a refusal containing %q", err, tt.wantError)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			var got []string
			for _, f := range files {
				got = append(got, fmt.Sprintf("%s %d %s", f.Path, f.Mode, f.Data))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || strings.Join(dirs, "|") != strings.Join(tt.wantDirs, "|") {
				t.Errorf("files %q dirs %q\nwant  %q dirs %q", got, dirs, tt.want, tt.wantDirs)
			}
		})
	}
}

func cmVolume(name, cm string, items []corev1.KeyToPath, mode *int32) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: cm}, Items: items, DefaultMode: mode}}}
}
