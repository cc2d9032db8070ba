package policy

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// A pod's volumes are materialised inside the RunPod container by the
// wrapper before the command starts: ConfigMap, Secret, downward-API and
// projected volumes become files (with their items, subPath and modes) and
// emptyDirs become directories. Kubernetes' automatic service-account token
// volume is dropped: RunPod pods cannot reach the cluster's API server, and
// minting tokens would need a right to impersonate any ServiceAccount. Every
// other volume type is refused, naming the volume.

// File is one file the wrapper writes before the command starts.
type File struct {
	Path string
	Mode int32
	Data []byte
	// secret and key name the Secret key the data came from: the wrapper
	// gets it through an account secret, never as plain env.
	secret *corev1.Secret
	key    string
}

// Sources reads what ConfigMap and Secret volumes are made of; podsync backs
// it with the informers' caches.
type Sources interface {
	ConfigMap(namespace, name string) (*corev1.ConfigMap, error)
	Secret(namespace, name string) (*corev1.Secret, error)
}

// ErrSourceMissing is a ConfigMap or Secret a volume needs that does not
// exist (yet): the pod waits for it, as on a kubelet.
var ErrSourceMissing = errors.New("a volume's ConfigMap or Secret is missing")

// serviceAccountTokenPath is where Kubernetes mounts the automatic token.
const serviceAccountTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount"

const defaultFileMode = 0o644

// mountsOf turns the container's volume mounts into files and directories.
func mountsOf(pod *corev1.Pod, c *corev1.Container, src Sources) ([]File, []string, error) {
	var files []File
	var dirs []string
	for _, vm := range c.VolumeMounts {
		v := volumeNamed(pod, vm.Name)
		if v == nil {
			return nil, nil, refused(fmt.Sprintf("volume mount %q", vm.Name), "names no volume of the pod")
		}
		if automaticToken(v, vm) {
			continue
		}
		if v.EmptyDir != nil {
			dirs = append(dirs, path.Join(vm.MountPath))
			continue
		}
		contents, err := volumeFiles(pod, v, src)
		if err != nil {
			return nil, nil, err
		}
		placed := placeFiles(contents, vm)
		if len(placed) == 0 {
			dirs = append(dirs, vm.MountPath) // an optional source that is missing: an empty directory
		}
		files = append(files, placed...)
	}
	return files, dirs, nil
}

func volumeNamed(pod *corev1.Pod, name string) *corev1.Volume {
	for i := range pod.Spec.Volumes {
		if pod.Spec.Volumes[i].Name == name {
			return &pod.Spec.Volumes[i]
		}
	}
	return nil
}

// automaticToken recognises the service-account token volume the API server
// adds to every pod (kube-api-access-*).
func automaticToken(v *corev1.Volume, vm corev1.VolumeMount) bool {
	if v.Projected == nil || !strings.HasPrefix(v.Name, "kube-api-access-") || vm.MountPath != serviceAccountTokenPath {
		return false
	}
	return slices.ContainsFunc(v.Projected.Sources, func(s corev1.VolumeProjection) bool { return s.ServiceAccountToken != nil })
}

// volumeFiles are a volume's files, relative to its root.
func volumeFiles(pod *corev1.Pod, v *corev1.Volume, src Sources) ([]File, error) {
	field := fmt.Sprintf("volume %q", v.Name)
	switch {
	case v.ConfigMap != nil:
		return configMapFiles(pod.Namespace, field, v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.DefaultMode, v.ConfigMap.Optional, src)
	case v.Secret != nil:
		return secretFiles(pod.Namespace, field, v.Secret.SecretName, v.Secret.Items, v.Secret.DefaultMode, v.Secret.Optional, src)
	case v.DownwardAPI != nil:
		return downwardFiles(pod, field, v.DownwardAPI.Items, v.DownwardAPI.DefaultMode)
	case v.Projected != nil:
		var out []File
		for _, s := range v.Projected.Sources {
			var got []File
			var err error
			switch {
			case s.ConfigMap != nil:
				got, err = configMapFiles(pod.Namespace, field, s.ConfigMap.Name, s.ConfigMap.Items, v.Projected.DefaultMode, s.ConfigMap.Optional, src)
			case s.Secret != nil:
				got, err = secretFiles(pod.Namespace, field, s.Secret.Name, s.Secret.Items, v.Projected.DefaultMode, s.Secret.Optional, src)
			case s.DownwardAPI != nil:
				got, err = downwardFiles(pod, field, s.DownwardAPI.Items, v.Projected.DefaultMode)
			case s.ServiceAccountToken != nil:
				err = refused(field, "projects a service-account token; runpod-kubelet mints no tokens (RunPod pods cannot reach the cluster's API server)")
			default:
				err = refused(field, "projects a source runpod-kubelet cannot materialise (only configMap, secret and downwardAPI)")
			}
			if err != nil {
				return nil, err
			}
			out = append(out, got...)
		}
		return out, nil
	}
	return nil, refused(field, fmt.Sprintf("is a %s volume; on RunPod only configMap, secret, downwardAPI, projected and emptyDir volumes can be materialised (a network volume is runpod.io/network-volume-id)", volumeKind(v)))
}

// volumeKind names a volume's type as its field is spelled.
func volumeKind(v *corev1.Volume) string {
	switch {
	case v.PersistentVolumeClaim != nil:
		return "persistentVolumeClaim"
	case v.HostPath != nil:
		return "hostPath"
	case v.NFS != nil:
		return "nfs"
	case v.Ephemeral != nil:
		return "ephemeral"
	case v.CSI != nil:
		return "csi"
	case v.Image != nil:
		return "image"
	}
	return "unsupported"
}

func configMapFiles(ns, field, name string, items []corev1.KeyToPath, mode *int32, optional *bool, src Sources) ([]File, error) {
	cm, err := src.ConfigMap(ns, name)
	if err != nil {
		return missing(field, "ConfigMap", ns, name, optional, err)
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keyedFiles(field, "ConfigMap "+name, data, items, mode, optional)
}

func secretFiles(ns, field, name string, items []corev1.KeyToPath, mode *int32, optional *bool, src Sources) ([]File, error) {
	s, err := src.Secret(ns, name)
	if err != nil {
		return missing(field, "Secret", ns, name, optional, err)
	}
	data := map[string][]byte{}
	for k, v := range s.Data {
		data[k] = v
	}
	for k, v := range s.StringData {
		data[k] = []byte(v)
	}
	files, err := keyedFiles(field, "Secret "+name, data, items, mode, optional)
	for i := range files {
		files[i].secret = s
	}
	return files, err
}

func missing(field, kind, ns, name string, optional *bool, err error) ([]File, error) {
	if optional != nil && *optional {
		return nil, nil
	}
	return nil, fmt.Errorf("%s: %s %s/%s: %w (%v)", field, kind, ns, name, ErrSourceMissing, err)
}

// keyedFiles are a ConfigMap's or Secret's keys as files: every key, or the
// items listed (a missing key refused unless the source is optional).
func keyedFiles(field, what string, data map[string][]byte, items []corev1.KeyToPath, mode *int32, optional *bool) ([]File, error) {
	if len(items) == 0 {
		out := make([]File, 0, len(data))
		for _, k := range sortedKeys(data) {
			out = append(out, File{Path: k, Mode: modeOr(nil, mode), Data: data[k], key: k})
		}
		return out, nil
	}
	out := make([]File, 0, len(items))
	for _, it := range items {
		b, ok := data[it.Key]
		if !ok {
			if optional != nil && *optional {
				continue
			}
			return nil, refused(field, fmt.Sprintf("item %q: %s has no such key", it.Key, what))
		}
		out = append(out, File{Path: it.Path, Mode: modeOr(it.Mode, mode), Data: b, key: it.Key})
	}
	return out, nil
}

func modeOr(item, def *int32) int32 {
	switch {
	case item != nil:
		return *item
	case def != nil:
		return *def
	}
	return defaultFileMode
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// placeFiles puts a volume's files under the mount: at its path, or, with
// subPath, only what lies at or below the sub-path, at the mount path.
func placeFiles(files []File, vm corev1.VolumeMount) []File {
	var out []File
	for _, f := range files {
		rel := path.Clean(f.Path)
		if vm.SubPath != "" {
			sub := path.Clean(vm.SubPath)
			switch {
			case rel == sub:
				rel = ""
			case strings.HasPrefix(rel, sub+"/"):
				rel = strings.TrimPrefix(rel, sub+"/")
			default:
				continue
			}
		}
		f.Path = path.Join(vm.MountPath, rel)
		out = append(out, f)
	}
	return out
}
