package simulator

import (
	"errors"
	"net/http"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestEveryGpuTypeHasAMachine(t *testing.T) {
	defaults := DefaultMachines()
	for _, g := range builtinCatalog().gpus {
		m, ok := defaults[g.ID]
		switch {
		case g.Memory == 0: // the "unknown" placeholder cannot be created
		case !ok || m.VcpuPerGpu < 1 || m.RamPerGpu < g.Memory:
			t.Errorf("%s: machine %+v; want vCPUs and at least its %d GB of VRAM in host RAM", g.ID, m, g.Memory)
		}
	}
}

func TestMachineFilters(t *testing.T) {
	const h100 = "NVIDIA H100 80GB HBM3"
	for _, tc := range []struct {
		name            string
		gpu             string
		count           int
		minVcpu, minRam int
		setup           func(sim *Simulator)
		code            int
		vcpus, ram      int    // the pod's gpu block
		dc              string // "" = any
	}{
		{"no filter", rtx4090, 2, 0, 0, nil, 201, 16, 124, ""},
		{"filters met exactly", rtx4090, 1, 8, 62, nil, 201, 8, 62, ""},
		{"too many vCPUs for a consumer card", rtx4090, 1, 9, 0, nil, 400, 0, 0, ""},
		{"too much RAM for a consumer card", rtx4090, 1, 0, 63, nil, 400, 0, 0, ""},
		{"a data-center card", "NVIDIA A100-SXM4-80GB", 4, 16, 125, nil, 201, 64, 500, ""},
		{"H100 SXM", h100, 8, 24, 251, nil, 201, 192, 2008, ""},
		{"a bigger machine in one data center", rtx4090, 1, 12, 0, func(sim *Simulator) {
			sim.SetMachine(rtx4090, "EU-RO-1", MachineSpec{VcpuPerGpu: 16, RamPerGpu: 94})
		}, 201, 16, 94, "EU-RO-1"},
		{"a smaller type everywhere", rtx4090, 1, 8, 0, func(sim *Simulator) {
			sim.SetMachine(rtx4090, "", MachineSpec{VcpuPerGpu: 4, RamPerGpu: 30})
		}, 400, 0, 0, ""},
		{"Options.Machines", rtx4090, 2, 32, 0, nil, 201, 64, 256, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, _ := newTestSim(t, func(o *Options) {
				if tc.name == "Options.Machines" {
					o.Machines = map[string]MachineSpec{rtx4090: {VcpuPerGpu: 32, RamPerGpu: 128}}
				}
			})
			if tc.setup != nil {
				tc.setup(sim)
			}
			req := gpuRequest("m", tc.gpu, tc.count)
			req.Gpu.MinVcpuCountPerGpu, req.Gpu.MinRamPerGpu = tc.minVcpu, tc.minRam
			rec := call(t, sim, http.MethodPost, "/v2/pods", req)
			if tc.code == 400 {
				if p := problemOf(t, rec, 400); p.Detail != detailNoCapacity {
					t.Fatalf("detail %q, want the no-capacity answer", p.Detail)
				}
				return
			}
			wantStatus(t, rec, tc.code)
			p := decode[runpodapi.Pod](t, rec)
			if p.Gpu.VcpuCount != tc.vcpus || p.Gpu.Memory != tc.ram || (tc.dc != "" && *p.DataCenterID != tc.dc) {
				t.Fatalf("gpu %+v in %s; want %d vCPUs, %d GB, data center %q", *p.Gpu, *p.DataCenterID, tc.vcpus, tc.ram, tc.dc)
			}
			if got := mustPod(t, sim, p.ID).Gpu; *got != *p.Gpu {
				t.Fatalf("GET answers gpu %+v, the create %+v", *got, *p.Gpu)
			}
		})
	}
}

func TestMachineFiltersThroughTheClient(t *testing.T) {
	_, _, c := clientSim(t, nil)
	for _, tc := range []struct {
		name            string
		minVcpu, minRam int
		want            error
	}{
		{"met", 8, 62, nil},
		{"unmet: ErrRejected, the next candidate's turn", 64, 0, runpodapi.ErrRejected},
		{"negative: ErrInvalid", -1, 0, runpodapi.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := gpuRequest("m", rtx4090, 1)
			req.Gpu.MinVcpuCountPerGpu, req.Gpu.MinRamPerGpu = tc.minVcpu, tc.minRam
			p, err := c.CreatePod(t.Context(), req)
			if tc.want == nil && (err != nil || p.Gpu.VcpuCount != 8 || p.Gpu.Memory != 62) || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("create = %+v, %v; want %v", p, err, tc.want)
			}
		})
	}
}

func TestMachineFiltersAreGpuOnly(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	for _, body := range []string{
		`{"name":"c","image":"busybox","cpu":{"id":"cpu3c","vcpuCount":2,"minRamPerGpu":1}}`,
		`{"name":"g","image":"busybox","gpu":{"id":"NVIDIA GeForce RTX 4090","minRamPerGpu":0}}`,
		`{"name":"g","image":"busybox","gpu":{"id":"NVIDIA GeForce RTX 4090","vcpuCount":8}}`,
	} {
		problemOf(t, call(t, sim, http.MethodPost, "/v2/pods", body), 422)
	}
}
