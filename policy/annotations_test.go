package policy

import (
	"reflect"
	"strings"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestParseAnnotations(t *testing.T) {
	tests := []struct {
		name    string
		pod     map[string]string
		job     map[string]string
		want    Annotations
		wantErr []string // substrings; nil = no error
	}{
		{name: "none", want: Annotations{}},
		{name: "unrelated keys ignored", pod: annotationsOf("example.com/x", "y"), want: Annotations{}},

		// runpod.io/required-gpu-memory
		{name: "gpu memory", pod: annotationsOf(AnnotationRequiredGPUMemory, "24"), want: Annotations{RequiredGPUMemoryGB: 24}},
		{name: "gpu memory spaces trimmed", pod: annotationsOf(AnnotationRequiredGPUMemory, " 48 "), want: Annotations{RequiredGPUMemoryGB: 48}},
		{name: "gpu memory zero", pod: annotationsOf(AnnotationRequiredGPUMemory, "0"), want: Annotations{}},
		{name: "gpu memory not a number", pod: annotationsOf(AnnotationRequiredGPUMemory, "abc"),
			wantErr: []string{`annotation runpod.io/required-gpu-memory: "abc" is not a whole number of GB`}},
		{name: "gpu memory with unit", pod: annotationsOf(AnnotationRequiredGPUMemory, "24GB"), wantErr: []string{`"24GB" is not a whole number of GB`}},
		{name: "gpu memory negative", pod: annotationsOf(AnnotationRequiredGPUMemory, "-1"), wantErr: []string{`"-1"`}},
		{name: "gpu memory from job", job: annotationsOf(AnnotationRequiredGPUMemory, "80"), want: Annotations{RequiredGPUMemoryGB: 80}},
		{name: "gpu memory pod wins over job", pod: annotationsOf(AnnotationRequiredGPUMemory, "24"),
			job: annotationsOf(AnnotationRequiredGPUMemory, "80"), want: Annotations{RequiredGPUMemoryGB: 24}},
		{name: "gpu memory bad on job names the job", job: annotationsOf(AnnotationRequiredGPUMemory, "lots"),
			wantErr: []string{`annotation runpod.io/required-gpu-memory (on the owning Job): "lots"`}},
		{name: "blank pod value falls through to job", pod: annotationsOf(AnnotationRequiredGPUMemory, "  "),
			job: annotationsOf(AnnotationRequiredGPUMemory, "16"), want: Annotations{RequiredGPUMemoryGB: 16}},

		// runpod.io/cloud-type
		{name: "cloud secure", pod: annotationsOf(AnnotationCloudType, "SECURE"), want: Annotations{CloudType: runpodapi.CloudSecure}},
		{name: "cloud community lower case", pod: annotationsOf(AnnotationCloudType, "community"), want: Annotations{CloudType: runpodapi.CloudCommunity}},
		{name: "cloud from job", job: annotationsOf(AnnotationCloudType, "COMMUNITY"), want: Annotations{CloudType: runpodapi.CloudCommunity}},
		{name: "cloud invalid", pod: annotationsOf(AnnotationCloudType, "ALL"), wantErr: []string{`"ALL" is not a cloud type; use SECURE or COMMUNITY`}},

		// runpod.io/datacenter-ids
		{name: "data centers", pod: annotationsOf(AnnotationDataCenterIDs, "US-TX-3, EU-RO-1,,US-TX-3"),
			want: Annotations{DataCenterIDs: []string{"US-TX-3", "EU-RO-1"}}},
		{name: "data centers from job", job: annotationsOf(AnnotationDataCenterIDs, "EU-RO-1"), want: Annotations{DataCenterIDs: []string{"EU-RO-1"}}},
		{name: "data centers only commas", pod: annotationsOf(AnnotationDataCenterIDs, ",,"), wantErr: []string{"lists no data center ids"}},
		{name: "data center with space", pod: annotationsOf(AnnotationDataCenterIDs, "US TX 3"), wantErr: []string{`"US TX 3" is not a data center id`}},

		// runpod.io/templateId and registry
		{name: "template", pod: annotationsOf(AnnotationTemplateID, "30zmvf89kd"), want: Annotations{TemplateID: "30zmvf89kd"}},
		{name: "template from job", job: annotationsOf(AnnotationTemplateID, "t1"), want: Annotations{TemplateID: "t1"}},
		{name: "template invalid", pod: annotationsOf(AnnotationTemplateID, "a b"), wantErr: []string{`"a b" is not a RunPod template id`}},
		{name: "registry", pod: annotationsOf(AnnotationRegistryAuthID, "cred-1"), want: Annotations{RegistryAuthID: "cred-1"}},
		{name: "registry from job", job: annotationsOf(AnnotationRegistryAuthID, "cred-2"), want: Annotations{RegistryAuthID: "cred-2"}},
		{name: "registry invalid", pod: annotationsOf(AnnotationRegistryAuthID, "x\ty"), wantErr: []string{"is not a RunPod registry credential id"}},

		// runpod.io/ports
		{name: "ports", pod: annotationsOf(AnnotationPorts, "8080/http,22/tcp"), want: Annotations{Ports: []string{"8080/http", "22/tcp"}}},
		{name: "ports bare and upper case", pod: annotationsOf(AnnotationPorts, "8888, 2222, 7000/HTTP"),
			want: Annotations{Ports: []string{"8888/http", "2222/tcp", "7000/http"}}},
		{name: "ports repeated once", pod: annotationsOf(AnnotationPorts, "22/tcp,22"), want: Annotations{Ports: []string{"22/tcp"}}},
		{name: "ports from job", job: annotationsOf(AnnotationPorts, "22/tcp"), want: Annotations{Ports: []string{"22/tcp"}}},
		{name: "ports udp", pod: annotationsOf(AnnotationPorts, "53/udp"), wantErr: []string{`"53/udp": RunPod exposes TCP ports only`}},
		{name: "ports unknown protocol", pod: annotationsOf(AnnotationPorts, "80/grpc"), wantErr: []string{"protocol must be http or tcp"}},
		{name: "ports out of range", pod: annotationsOf(AnnotationPorts, "70000/tcp"), wantErr: []string{"not a port number from 1 to 65535"}},
		{name: "ports conflicting", pod: annotationsOf(AnnotationPorts, "80/http,80/tcp"), wantErr: []string{"port 80 is listed as both 80/http and 80/tcp"}},
		{name: "ports none", pod: annotationsOf(AnnotationPorts, ","), wantErr: []string{"lists no ports"}},

		// runpod.io/gpu-type-ids
		{name: "gpu types keep order and spaces", pod: annotationsOf(AnnotationGPUTypeIDs, "NVIDIA L40S, NVIDIA RTX A5000"),
			want: Annotations{GPUTypeIDs: []string{"NVIDIA L40S", "NVIDIA RTX A5000"}}},
		{name: "gpu types from job", job: annotationsOf(AnnotationGPUTypeIDs, "NVIDIA L40S"), want: Annotations{GPUTypeIDs: []string{"NVIDIA L40S"}}},
		{name: "gpu types empty", pod: annotationsOf(AnnotationGPUTypeIDs, " , "), wantErr: []string{"lists no GPU type ids"}},
		{name: "gpu types control char", pod: annotationsOf(AnnotationGPUTypeIDs, "A\x00B"), wantErr: []string{"is not a GPU type id"}},

		// runpod.io/max-price
		{name: "max price", pod: annotationsOf(AnnotationMaxPrice, "0.50"), want: Annotations{MaxPrice: 0.5}},
		{name: "max price from job", job: annotationsOf(AnnotationMaxPrice, "1.25"), want: Annotations{MaxPrice: 1.25}},
		{name: "max price dollar sign", pod: annotationsOf(AnnotationMaxPrice, "$1"), wantErr: []string{`"$1" is not a price in dollars per hour per GPU`}},
		{name: "max price zero", pod: annotationsOf(AnnotationMaxPrice, "0"), wantErr: []string{`"0" is not a price`}},
		{name: "max price NaN", pod: annotationsOf(AnnotationMaxPrice, "NaN"), wantErr: []string{`"NaN" is not a price`}},
		{name: "max price Inf", pod: annotationsOf(AnnotationMaxPrice, "+Inf"), wantErr: []string{`"+Inf" is not a price`}},

		// runpod.io/container-disk-gb
		{name: "disk", pod: annotationsOf(AnnotationContainerDiskGB, "50"), want: Annotations{ContainerDiskGB: 50}},
		{name: "disk from job", job: annotationsOf(AnnotationContainerDiskGB, "20"), want: Annotations{ContainerDiskGB: 20}},
		{name: "disk zero", pod: annotationsOf(AnnotationContainerDiskGB, "0"), wantErr: []string{`"0" is not a whole number of GB of at least 1`}},
		{name: "disk fraction", pod: annotationsOf(AnnotationContainerDiskGB, "1.5"), wantErr: []string{`"1.5"`}},

		// network volume
		{name: "volume with path", pod: annotationsOf(AnnotationNetworkVolumeID, "vol_xyz", AnnotationVolumeMountPath, "/data"),
			want: Annotations{NetworkVolumeID: "vol_xyz", VolumeMountPath: "/data"}},
		{name: "volume on job, path on pod", pod: annotationsOf(AnnotationVolumeMountPath, "/data"), job: annotationsOf(AnnotationNetworkVolumeID, "vol_xyz"),
			want: Annotations{NetworkVolumeID: "vol_xyz", VolumeMountPath: "/data"}},
		{name: "volume id invalid", pod: annotationsOf(AnnotationNetworkVolumeID, "vol xyz"), wantErr: []string{"is not a RunPod network volume id"}},
		{name: "volume path relative", pod: annotationsOf(AnnotationNetworkVolumeID, "v", AnnotationVolumeMountPath, "data"),
			wantErr: []string{`"data" is not an absolute path`}},
		{name: "volume path root", pod: annotationsOf(AnnotationNetworkVolumeID, "v", AnnotationVolumeMountPath, "/"), wantErr: []string{`"/" is not an absolute path`}},
		{name: "volume path without volume", pod: annotationsOf(AnnotationVolumeMountPath, "/data"),
			wantErr: []string{"annotation runpod.io/volume-mount-path: is set but runpod.io/network-volume-id is not"}},

		// CUDA
		{name: "cuda allowed", pod: annotationsOf(AnnotationAllowedCUDAVersions, "12.8, 12.6"), want: Annotations{AllowedCUDAVersions: []string{"12.8", "12.6"}}},
		{name: "cuda min", pod: annotationsOf(AnnotationMinCUDAVersion, "12.1"), want: Annotations{MinCUDAVersion: "12.1"}},
		{name: "cuda min from job", job: annotationsOf(AnnotationMinCUDAVersion, "11.8"), want: Annotations{MinCUDAVersion: "11.8"}},
		{name: "cuda both on pod", pod: annotationsOf(AnnotationAllowedCUDAVersions, "12.8", AnnotationMinCUDAVersion, "12.1"),
			wantErr: []string{"runpod.io/min-cuda-version: cannot be combined with runpod.io/allowed-cuda-versions"}},
		{name: "cuda both on job", job: annotationsOf(AnnotationAllowedCUDAVersions, "12.8", AnnotationMinCUDAVersion, "12.1"),
			wantErr: []string{"(on the owning Job): cannot be combined"}},
		{name: "cuda pod replaces job setting as a whole", pod: annotationsOf(AnnotationMinCUDAVersion, "12.4"),
			job: annotationsOf(AnnotationAllowedCUDAVersions, "12.8"), want: Annotations{MinCUDAVersion: "12.4"}},
		{name: "cuda bad version", pod: annotationsOf(AnnotationMinCUDAVersion, "12"), wantErr: []string{`"12" is not a CUDA version as major.minor`}},
		{name: "cuda bad list item", pod: annotationsOf(AnnotationAllowedCUDAVersions, "12.8,v13"), wantErr: []string{`"v13" is not a CUDA version`}},
		{name: "cuda empty list", pod: annotationsOf(AnnotationAllowedCUDAVersions, ","), wantErr: []string{"lists no CUDA versions"}},

		// containers
		{name: "drop containers", pod: annotationsOf(AnnotationDropContainers, "istio-proxy, istio-init"),
			want: Annotations{DropContainers: []string{"istio-proxy", "istio-init"}}},
		{name: "drop containers from job", job: annotationsOf(AnnotationDropContainers, "sidecar"), want: Annotations{DropContainers: []string{"sidecar"}}},
		{name: "drop containers empty", pod: annotationsOf(AnnotationDropContainers, ","), wantErr: []string{"lists no container names"}},
		{name: "drop containers bad name", pod: annotationsOf(AnnotationDropContainers, "a\u00a0b"), wantErr: []string{"is not a container name"}},
		{name: "default container", pod: annotationsOf(AnnotationDefaultContainer, "main"), want: Annotations{DefaultContainer: "main"}},
		{name: "default container bad", pod: annotationsOf(AnnotationDefaultContainer, "a b"), wantErr: []string{`"a b" is not a container name`}},

		// several errors are reported together
		{name: "all errors at once", pod: annotationsOf(AnnotationRequiredGPUMemory, "x", AnnotationMaxPrice, "y"),
			wantErr: []string{AnnotationRequiredGPUMemory, AnnotationMaxPrice}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAnnotations(tt.pod, tt.job)
			if tt.wantErr != nil {
				wantPolicyError(t, err, ErrRefused, tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			got.fromJob = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestAnnotationKeysAreUniqueAndParsed(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range AnnotationKeys() {
		if seen[k] {
			t.Errorf("key %s listed twice", k)
		}
		seen[k] = true
		// Every key refuses garbage with an error naming the key, or accepts it.
		_, err := ParseAnnotations(map[string]string{k: "\x00 bad\x01"}, nil)
		if err != nil && !strings.Contains(err.Error(), k) {
			t.Errorf("error for %s does not name the key: %v", k, err)
		}
	}
}

func TestIsSet(t *testing.T) {
	a, err := ParseAnnotations(nil, annotationsOf(AnnotationMaxPrice, "1"))
	if err != nil {
		t.Fatal(err)
	}
	if !a.isSet(AnnotationMaxPrice) || a.isSet(AnnotationCloudType) {
		t.Errorf("isSet wrong: %+v", a.fromJob)
	}
}
