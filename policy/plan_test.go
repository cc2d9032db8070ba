package policy

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func ownedBy(job *batchv1.Job) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: job.Name, UID: job.UID}}
	}
}

func testJob(kv ...string) *batchv1.Job {
	return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "train-job", Namespace: "ml", UID: "job-uid", Annotations: annotationsOf(kv...)}}
}

func TestPlanGPUPod(t *testing.T) {
	schema := createPodSchema(t)
	pod := testPod(withGPUs("2"), withEnv("MODEL", "llama", "CERT", "a\nb\n"),
		withAnnotations(AnnotationRequiredGPUMemory, "24", AnnotationContainerDiskGB, "40", AnnotationRegistryAuthID, "cred-1",
			AnnotationNetworkVolumeID, "vol_xyz", AnnotationMinCUDAVersion, "12.1"),
		func(p *corev1.Pod) {
			c := &p.Spec.Containers[0]
			c.Command = []string{"python", "train.py"}
			c.Args = []string{"--model", "$(MODEL)"}
			c.Ports = []corev1.ContainerPort{{ContainerPort: 8888}, {ContainerPort: 22}}
		})
	node := testNode()
	node.DataCenterIDs = []string{"US-TX-3", "EU-RO-1"}
	plan, err := Plan(Input{Pod: pod, Node: node, Catalog: testCatalog()})
	if err != nil {
		t.Fatal(err)
	}
	wantName, _ := Name("prod-eu", "runpod", testUID)
	if plan.Name != wantName || plan.GPUCount != 2 || plan.Cloud != runpodapi.CloudSecure {
		t.Errorf("plan header %q %d %q", plan.Name, plan.GPUCount, plan.Cloud)
	}
	var got []string
	for _, c := range plan.Candidates {
		got = append(got, c.GpuTypeID+"@"+c.DataCenterID)
		checkAgainstSpec(t, schema, c.Request)
	}
	// H100 costs 2.69 > the node's $2.00 cap.
	want := []string{"NVIDIA RTX A5000@EU-RO-1", "NVIDIA GeForce RTX 3090@US-TX-3", "NVIDIA GeForce RTX 3090@EU-RO-1", "NVIDIA L40S@US-TX-3"}
	if !slices.Equal(got, want) {
		t.Errorf("candidates %q\nwant       %q", got, want)
	}
	first := plan.Candidates[0]
	if first.HourlyCost != 0.54 || first.Availability != runpodapi.AvailabilityHigh {
		t.Errorf("first candidate cost %v, availability %q", first.HourlyCost, first.Availability)
	}
	r := first.Request
	wantGPU := runpodapi.CreateGpuConfig{ID: "NVIDIA RTX A5000", Count: 2, MinCudaVersion: "12.1"}
	if !reflect.DeepEqual(*r.Gpu, wantGPU) || r.Cpu != nil || !slices.Equal(r.DataCenterIDs, []string{"EU-RO-1"}) {
		t.Errorf("compute %+v %+v %q", r.Gpu, r.Cpu, r.DataCenterIDs)
	}
	if r.Name != wantName || r.Image != "ghcr.io/acme/train:1" || !slices.Equal(r.Cmd, []string{"python", "train.py", "--model", "llama"}) || len(r.Entrypoint) != 4 || r.Args != "" || r.Disk != 40 ||
		r.Registry != "cred-1" || r.Cloud != runpodapi.CloudSecure || r.TemplateID != "" {
		t.Errorf("container fields %+v", r)
	}
	if !slices.Equal(r.Ports, []string{"8888/http", "22/tcp"}) {
		t.Errorf("ports %q", r.Ports)
	}
	if r.Mounts == nil || len(r.Mounts.Network) != 1 || r.Mounts.Network[0] != (runpodapi.NetworkMount{VolumeID: "vol_xyz", Path: "/workspace"}) {
		t.Errorf("mounts %+v", r.Mounts)
	}
	wantEnv := map[string]string{"MODEL": "llama", "CERT": "a\nb\n", EnvClusterID: "prod-eu", EnvNodeName: "runpod",
		EnvPodNamespace: "ml", EnvPodName: "train", EnvPodUID: testUID}
	if len(r.Env) != len(wantEnv) {
		t.Errorf("env %q", r.Env)
	}
	for k, v := range wantEnv {
		if r.Env[k] != v {
			t.Errorf("env %s = %q, want %q", k, r.Env[k], v)
		}
	}
	if !strings.HasPrefix(plan.Explanation, "first 2 × NVIDIA RTX A5000 in EU-RO-1 at $0.54/h (HIGH stock); 4 candidates") {
		t.Errorf("explanation %q", plan.Explanation)
	}
	// Candidates share nothing: changing one leaves the others alone.
	plan.Candidates[0].Request.Env["MODEL"] = "changed"
	plan.Candidates[0].Request.Ports[0] = "1/tcp"
	plan.Candidates[0].Request.Mounts.Network[0].Path = "/x"
	if c := plan.Candidates[1].Request; c.Env["MODEL"] != "llama" || c.Ports[0] != "8888/http" || c.Mounts.Network[0].Path != "/workspace" {
		t.Error("candidates share maps or slices")
	}
}

func TestPlanCPUPod(t *testing.T) {
	schema := createPodSchema(t)
	cpu := func(q string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(q)}
		}
	}
	tests := []struct {
		name     string
		pod      *corev1.Pod
		node     func(*NodeSettings)
		catalog  []runpodapi.CpuType // nil = testCPUCatalog()
		wantCPU  runpodapi.CreateCpuConfig
		wantCost float64
		wantDCs  []string
		wantExpl string
		wantErr  []string
		wantKind error // default ErrRefused
	}{
		{name: "default flavor, RunPod chooses", pod: testPod(cpu("3")),
			wantCPU: runpodapi.CreateCpuConfig{ID: "cpu3c", VcpuCount: 4}, wantCost: 0.12, wantDCs: []string{""},
			wantExpl: "CPU pod: cpu3c with 4 vCPUs at $0.12/h, RunPod chooses the data center"},
		{name: "node flavor, its minimum vCPUs, one candidate per data center", pod: testPod(),
			node:    func(n *NodeSettings) { n.CPUFlavorID = "cpu5c"; n.DataCenterIDs = []string{"US-TX-3", "EU-RO-1"} },
			wantCPU: runpodapi.CreateCpuConfig{ID: "cpu5c", VcpuCount: 4}, wantCost: 0.20, wantDCs: []string{"US-TX-3", "EU-RO-1"},
			wantExpl: "CPU pod: cpu5c with 4 vCPUs at $0.20/h, in US-TX-3, EU-RO-1"},
		{name: "zero GPUs is a CPU pod; max-price ignored", pod: testPod(withGPUs("0"), withAnnotations(AnnotationMaxPrice, "0.01")),
			wantCPU: runpodapi.CreateCpuConfig{ID: "cpu3c", VcpuCount: 2}, wantCost: 0.06, wantDCs: []string{""}},
		{name: "more vCPUs than the flavor offers refused", pod: testPod(cpu("40")),
			wantErr: []string{`container "main": requests 64 vCPUs`, "cpu3c offers 2 to 32 per pod"}},
		{name: "flavor missing from the catalog: wait", pod: testPod(), catalog: []runpodapi.CpuType{},
			wantErr: []string{"CPU flavor cpu3c: is not in RunPod's CPU catalog"}, wantKind: ErrNoCandidates},
		{name: "GPU annotation without GPUs refused", pod: testPod(withAnnotations(AnnotationRequiredGPUMemory, "24")),
			wantErr: []string{`annotation runpod.io/required-gpu-memory: is set but container "main" requests no nvidia.com/gpu`}},
		{name: "pinned GPU types without GPUs refused", pod: testPod(withAnnotations(AnnotationGPUTypeIDs, "NVIDIA L40S")),
			wantErr: []string{"annotation runpod.io/gpu-type-ids: is set but"}},
		{name: "CUDA without GPUs refused", pod: testPod(withAnnotations(AnnotationAllowedCUDAVersions, "12.8")),
			wantErr: []string{"annotation runpod.io/allowed-cuda-versions: is set but"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := testNode()
			if tt.node != nil {
				tt.node(&node)
			}
			catalog := tt.catalog
			if catalog == nil {
				catalog = testCPUCatalog()
			}
			plan, err := Plan(Input{Pod: tt.pod, Node: node, CPUCatalog: catalog})
			if tt.wantErr != nil {
				kind := tt.wantKind
				if kind == nil {
					kind = ErrRefused
				}
				wantPolicyError(t, err, kind, tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var dcs []string
			for _, c := range plan.Candidates {
				checkAgainstSpec(t, schema, c.Request)
				dcs = append(dcs, c.DataCenterID)
				if *c.Request.Cpu != tt.wantCPU || c.Request.Gpu != nil || math.Abs(c.HourlyCost-tt.wantCost) > 1e-9 || c.GpuTypeID != "" {
					t.Errorf("candidate %+v", c)
				}
			}
			if !slices.Equal(dcs, tt.wantDCs) || plan.GPUCount != 0 {
				t.Errorf("data centers %q, want %q", dcs, tt.wantDCs)
			}
			if tt.wantExpl != "" && plan.Explanation != tt.wantExpl {
				t.Errorf("explanation %q, want %q", plan.Explanation, tt.wantExpl)
			}
		})
	}
}

func TestPlanAnnotationsAndJob(t *testing.T) {
	schema := createPodSchema(t)
	job := testJob(AnnotationCloudType, "COMMUNITY", AnnotationMaxPrice, "0.20", AnnotationPorts, "7860/http")
	tests := []struct {
		name      string
		pod       *corev1.Pod
		job       *batchv1.Job
		node      func(*NodeSettings)
		wantTypes []string
		wantCloud runpodapi.Cloud
		check     func(*testing.T, *PlacementPlan)
		wantErr   []string
		wantKind  error
	}{
		{name: "Job annotations apply", pod: testPod(withGPUs("1"), ownedBy(job)), job: job,
			wantTypes: []string{"NVIDIA RTX A5000"}, wantCloud: runpodapi.CloudCommunity,
			check: func(t *testing.T, p *PlacementPlan) {
				if r := p.Candidates[0].Request; !slices.Equal(r.Ports, []string{"7860/http"}) || r.Cloud != runpodapi.CloudCommunity {
					t.Errorf("request %+v", r)
				}
			}},
		{name: "pod overrides Job", pod: testPod(withGPUs("1"), ownedBy(job), withAnnotations(AnnotationCloudType, "SECURE", AnnotationMaxPrice, "0.5")), job: job,
			wantTypes: []string{"NVIDIA RTX A5000", "NVIDIA GeForce RTX 3090"}, wantCloud: runpodapi.CloudSecure},
		{name: "node cloud type is the default", pod: testPod(withGPUs("1")), node: func(n *NodeSettings) { n.CloudType = runpodapi.CloudCommunity; n.MaxGPUPrice = 0.2 },
			wantTypes: []string{"NVIDIA RTX A5000"}, wantCloud: runpodapi.CloudCommunity},
		{name: "pod max-price cannot raise the node cap", pod: testPod(withGPUs("1"), withAnnotations(AnnotationMaxPrice, "5")),
			node:      func(n *NodeSettings) { n.MaxGPUPrice = 0.5 },
			wantTypes: []string{"NVIDIA RTX A5000", "NVIDIA GeForce RTX 3090"}, wantCloud: runpodapi.CloudSecure},
		{name: "no node cap: pod cap applies", pod: testPod(withGPUs("1"), withAnnotations(AnnotationMaxPrice, "0.3")),
			node: func(n *NodeSettings) { n.MaxGPUPrice = 0 }, wantTypes: []string{"NVIDIA RTX A5000"}, wantCloud: runpodapi.CloudSecure},
		{name: "no caps at all", pod: testPod(withGPUs("1")), node: func(n *NodeSettings) { n.MaxGPUPrice = 0 },
			wantTypes: []string{"NVIDIA RTX A5000", "NVIDIA GeForce RTX 3090", "NVIDIA L40S", "NVIDIA H100 80GB HBM3"}, wantCloud: runpodapi.CloudSecure},
		{name: "pod cap error names the annotation", pod: testPod(withGPUs("1"), withAnnotations(AnnotationMaxPrice, "0.1")),
			wantKind: ErrNoCandidates, wantErr: []string{"all above the $0.10/h per-GPU cap (annotation runpod.io/max-price); cheapest is $0.27/h"}},
		{name: "Job cap error names the Job", pod: testPod(withGPUs("1"), ownedBy(job)), job: testJob(AnnotationMaxPrice, "0.1"),
			wantKind: ErrNoCandidates, wantErr: []string{"(annotation runpod.io/max-price (on the owning Job))"}},
		{name: "pinned types", pod: testPod(withGPUs("1"), withAnnotations(AnnotationGPUTypeIDs, "NVIDIA L40S,NVIDIA RTX A5000")),
			wantTypes: []string{"NVIDIA L40S", "NVIDIA RTX A5000"}, wantCloud: runpodapi.CloudSecure},
		{name: "allowed CUDA versions reach the gpu block", pod: testPod(withGPUs("1"), withAnnotations(AnnotationAllowedCUDAVersions, "12.8,12.6", AnnotationGPUTypeIDs, "NVIDIA L40S")),
			wantTypes: []string{"NVIDIA L40S"}, wantCloud: runpodapi.CloudSecure,
			check: func(t *testing.T, p *PlacementPlan) {
				if g := p.Candidates[0].Request.Gpu; !slices.Equal(g.AllowedCudaVersions, []string{"12.8", "12.6"}) || g.MinCudaVersion != "" {
					t.Errorf("gpu %+v", g)
				}
			}},
		{name: "template without image", pod: testPod(withGPUs("1"), withAnnotations(AnnotationTemplateID, "tpl1", AnnotationGPUTypeIDs, "NVIDIA L40S"),
			func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" }),
			wantTypes: []string{"NVIDIA L40S"}, wantCloud: runpodapi.CloudSecure,
			check: func(t *testing.T, p *PlacementPlan) {
				if r := p.Candidates[0].Request; r.TemplateID != "tpl1" || r.Image != "" || r.Entrypoint != nil || r.Cmd != nil || r.Ports != nil {
					t.Errorf("request %+v", r)
				}
			}},
		{name: "no image, no template", pod: testPod(func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" }),
			wantErr: []string{`container "main": has no image`}},
		{name: "volume mount path", pod: testPod(withGPUs("1"), withAnnotations(AnnotationNetworkVolumeID, "v1", AnnotationVolumeMountPath, "/data", AnnotationGPUTypeIDs, "NVIDIA L40S")),
			wantTypes: []string{"NVIDIA L40S"}, wantCloud: runpodapi.CloudSecure,
			check: func(t *testing.T, p *PlacementPlan) {
				if m := p.Candidates[0].Request.Mounts; m.Network[0] != (runpodapi.NetworkMount{VolumeID: "v1", Path: "/data"}) {
					t.Errorf("mounts %+v", m)
				}
			}},
		{name: "data center outside the allow-list", pod: testPod(withGPUs("1"), withAnnotations(AnnotationDataCenterIDs, "EU-RO-1")),
			node: func(n *NodeSettings) { n.DataCenterIDs = []string{"US-TX-3"} }, wantErr: []string{`"EU-RO-1" is outside this node's allowed data centers (US-TX-3)`}},
		{name: "data center annotation narrows", pod: testPod(withGPUs("1"), withAnnotations(AnnotationDataCenterIDs, "US-CA-2")),
			node:      func(n *NodeSettings) { n.DataCenterIDs = []string{"US-TX-3", "US-CA-2"} },
			wantTypes: []string{"NVIDIA RTX A5000"}, wantCloud: runpodapi.CloudSecure},
		{name: "bad annotation", pod: testPod(withAnnotations(AnnotationRequiredGPUMemory, "abc")),
			wantErr: []string{`annotation runpod.io/required-gpu-memory: "abc" is not a whole number of GB`}},
		{name: "two containers", pod: testPod(func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "sidecar", Image: "x"})
		}),
			wantErr: []string{`container "sidecar": 2 containers found`}},
		{name: "fractional GPU", pod: testPod(withGPUs("1500m")), wantErr: []string{"is not a whole number of GPUs"}},
		{name: "UDP port", pod: testPod(withGPUs("1"), func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 53, Protocol: corev1.ProtocolUDP}}
		}), wantErr: []string{"port 53/UDP: RunPod exposes TCP ports only"}},
		{name: "unresolved env", pod: testPod(withGPUs("1"), func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "T", ValueFrom: &corev1.EnvVarSource{}}}
		}), wantErr: []string{`env "T": valueFrom was not resolved`}},
		{name: "multi-GPU over maxCount", pod: testPod(withGPUs("16")),
			wantKind: ErrNoCandidates, wantErr: []string{"none takes 16 GPUs per pod; the most is 8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := testNode()
			if tt.node != nil {
				tt.node(&node)
			}
			plan, err := Plan(Input{Pod: tt.pod, Job: tt.job, Node: node, Catalog: testCatalog()})
			if tt.wantErr != nil {
				kind := tt.wantKind
				if kind == nil {
					kind = ErrRefused
				}
				wantPolicyError(t, err, kind, tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var types []string
			for _, c := range plan.Candidates {
				checkAgainstSpec(t, schema, c.Request)
				types = append(types, c.GpuTypeID)
			}
			if !slices.Equal(types, tt.wantTypes) || plan.Cloud != tt.wantCloud {
				t.Errorf("types %q in %q, want %q in %q", types, plan.Cloud, tt.wantTypes, tt.wantCloud)
			}
			if tt.check != nil {
				tt.check(t, plan)
			}
		})
	}
}

func TestPlanDropsServiceLinksAndSidecars(t *testing.T) {
	resolved := testPod(withGPUs("1"), withAnnotations(AnnotationDropContainers, "istio-proxy", AnnotationDefaultContainer, "main"),
		func(p *corev1.Pod) {
			p.Spec.Containers[0] = resolvedContainer()
			p.Spec.Containers[0].Image = "img"
			p.Spec.Containers[0].Args = []string{"--redis=$(REDIS_MASTER_SERVICE_HOST)"}
			p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{ResourceGPU: resource.MustParse("1")}
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "istio-proxy", Image: "istio"})
		})
	stored := testPod(func(p *corev1.Pod) { p.Spec.Containers[0] = storedContainer() })
	plan, err := Plan(Input{Pod: resolved, StoredPod: stored, Services: testServices(), Node: testNode(), Catalog: testCatalog()})
	if err != nil {
		t.Fatal(err)
	}
	r := plan.Candidates[0].Request
	if _, ok := r.Env["REDIS_MASTER_PORT"]; ok {
		t.Error("service link REDIS_MASTER_PORT kept")
	}
	for _, k := range []string{"REDIS_MASTER_SERVICE_HOST", "MY_SERVICE_HOST", "CONFIG_YAML", "HF_TOKEN", "KUBERNETES_SERVICE_PORT"} {
		if _, ok := r.Env[k]; !ok {
			t.Errorf("user variable %s dropped", k)
		}
	}
	if r.Env["CONFIG_YAML"] != "model: llama\nlayers:\n  - 1\n  - 2\n" {
		t.Errorf("multi-line value changed: %q", r.Env["CONFIG_YAML"])
	}
	if !slices.Equal(r.Cmd, []string{"--redis=10.0.0.11"}) || r.Entrypoint != nil { // no image config here: the exec form as the pod says
		t.Errorf("entrypoint %q cmd %q", r.Entrypoint, r.Cmd)
	}
	if len(plan.DroppedEnv) != 14 || !slices.Equal(plan.DroppedContainers, []string{"istio-proxy"}) {
		t.Errorf("dropped env %q, containers %q", plan.DroppedEnv, plan.DroppedContainers)
	}
	if !strings.HasPrefix(r.Env["HF_TOKEN"], "{{ RUNPOD_SECRET_") { // from a secretKeyRef, even with the Secret unreadable here
		t.Errorf("HF_TOKEN = %q, want an account secret reference", r.Env["HF_TOKEN"])
	}
	if !strings.HasSuffix(plan.Explanation, "; not run: istio-proxy; dropped 14 service-link variables; 1 value from a Secret kept as a RunPod account secret") {
		t.Errorf("explanation %q", plan.Explanation)
	}
}
