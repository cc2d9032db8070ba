package simulator

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestCapacityExhaustion(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	const dc = "EU-RO-1"
	sim.SetCapacity(rtx4090, dc, 3)
	req := gpuRequest("a", rtx4090, 2)
	req.DataCenterIDs = []string{dc}
	first := mustSeed(t, sim, req)
	if *first.DataCenterID != dc || sim.Capacity(rtx4090, dc) != 1 {
		t.Fatalf("placed in %s, free %d; want %s, 1", *first.DataCenterID, sim.Capacity(rtx4090, dc), dc)
	}
	p := problemOf(t, call(t, sim, http.MethodPost, "/v2/pods", req), 400)
	if p.Detail != detailNoCapacity || len(p.Errors) != 0 {
		t.Fatalf("capacity problem = %+v", p)
	}
	wantStatus(t, call(t, sim, http.MethodDelete, "/v2/pods/"+first.ID, nil), 204)
	if got := sim.Capacity(rtx4090, dc); got != 3 {
		t.Fatalf("free after delete = %d, want 3", got)
	}
	wantStatus(t, call(t, sim, http.MethodPost, "/v2/pods", req), 201)
}

func TestPlacement(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mod    func(*runpodapi.CreatePodRequest)
		wantDC string
	}{
		{"most free when unconstrained", func(*runpodapi.CreatePodRequest) {}, "US-TX-3"},
		{"first preferred with room", func(r *runpodapi.CreatePodRequest) { r.DataCenterIDs = []string{"EU-SE-1", "US-KS-2"} }, "EU-SE-1"},
		{"skips preferred without the GPU", func(r *runpodapi.CreatePodRequest) {
			r.DataCenterIDs = []string{"US-KS-2"}
			r.Gpu.ID = "NVIDIA A100-SXM4-80GB"
		}, ""},
		{"cuda floor", func(r *runpodapi.CreatePodRequest) { r.Gpu.MinCudaVersion = "12.7" }, "US-TX-3"},
		{"exact cuda", func(r *runpodapi.CreatePodRequest) { r.Gpu.AllowedCudaVersions = []string{"12.4"} }, "CA-MTL-1"},
		{"global networking", func(r *runpodapi.CreatePodRequest) {
			r.GlobalNetworking = true
			r.DataCenterIDs = []string{"EU-SE-1", "EU-RO-1"}
		}, "EU-RO-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, _ := newTestSim(t, nil)
			req := gpuRequest("a", rtx4090, 1)
			tc.mod(&req)
			p, err := sim.Seed(req)
			if tc.wantDC == "" {
				if err == nil {
					t.Fatalf("placed in %s, want a capacity error", *p.DataCenterID)
				}
				return
			}
			if err != nil || *p.DataCenterID != tc.wantDC {
				t.Fatalf("placed in %v (%v), want %s", p.DataCenterID, err, tc.wantDC)
			}
		})
	}
}

func TestAvailabilityLevels(t *testing.T) {
	for _, tc := range []struct {
		free, count int
		want        runpodapi.AvailabilityLevel
	}{
		{0, 1, runpodapi.AvailabilityNone},
		{1, 2, runpodapi.AvailabilityNone},
		{1, 1, runpodapi.AvailabilityLow},
		{3, 2, runpodapi.AvailabilityLow},
		{4, 2, runpodapi.AvailabilityMedium},
		{5, 1, runpodapi.AvailabilityMedium},
		{6, 1, runpodapi.AvailabilityHigh},
		{12, 2, runpodapi.AvailabilityHigh},
	} {
		if got := availabilityLevel(tc.free, tc.count); got != tc.want {
			t.Errorf("availabilityLevel(%d, %d) = %s, want %s", tc.free, tc.count, got, tc.want)
		}
	}
}

// gpuOf finds one GPU type in a catalog answer.
func gpuOf(t *testing.T, sim *Simulator, query, id string) runpodapi.GpuType {
	t.Helper()
	rec := call(t, sim, http.MethodGet, "/v2/catalog/gpus"+query, nil)
	wantStatus(t, rec, 200)
	for _, g := range decode[runpodapi.ListGpuTypesResponse](t, rec).Gpus {
		if g.ID == id {
			return g
		}
	}
	t.Fatalf("%s not in catalog answer", id)
	return runpodapi.GpuType{}
}

func TestCatalogAvailabilityFollowsCapacity(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	const h100 = "NVIDIA H100 PCIe" // offered in US-KS-2 and EU-SE-1 only
	sim.SetCapacity(h100, "US-KS-2", 6)
	sim.SetCapacity(h100, "EU-SE-1", 0)
	dcLevel := func(g runpodapi.GpuType, dc string) runpodapi.AvailabilityLevel {
		for _, d := range g.DataCenters {
			if d.ID == dc {
				return d.Availability
			}
		}
		t.Fatalf("%s not listed in %+v", dc, g.DataCenters)
		return ""
	}
	g := gpuOf(t, sim, "?include=AVAILABILITY&product=POD", h100)
	if g.Availability != runpodapi.AvailabilityHigh || len(g.DataCenters) != 2 || dcLevel(g, "EU-SE-1") != runpodapi.AvailabilityNone {
		t.Fatalf("6 free: %+v", g)
	}
	req := gpuRequest("a", h100, 2)
	mustSeed(t, sim, req) // 4 left in US-KS-2
	if g := gpuOf(t, sim, "?include=AVAILABILITY&product=POD", h100); g.Availability != runpodapi.AvailabilityMedium {
		t.Fatalf("4 free: %s", g.Availability)
	}
	if g := gpuOf(t, sim, "?include=AVAILABILITY&product=POD&count=3", h100); g.Availability != runpodapi.AvailabilityLow {
		t.Fatalf("4 free, count 3: %s", g.Availability)
	}
	stopped := mustSeed(t, sim, req)
	mustSeed(t, sim, req) // 0 left
	g = gpuOf(t, sim, "?include=AVAILABILITY&product=POD", h100)
	if g.Availability != runpodapi.AvailabilityNone || len(g.DataCenters) != 2 || len(g.CudaVersions) == 0 || g.CudaVersions[0].Available {
		t.Fatalf("0 free: %+v", g)
	}
	clock.Step(20 * time.Second)
	wantStatus(t, call(t, sim, http.MethodPost, "/v2/pods/"+stopped.ID+"/action", map[string]string{"action": "stop"}), 200)
	if g := gpuOf(t, sim, "?include=AVAILABILITY&product=POD&count=2", h100); g.Availability != runpodapi.AvailabilityLow {
		t.Fatalf("after stop: %s", g.Availability)
	}
}

func TestCatalogGpusQuery(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	for _, tc := range []struct {
		name, query string
		code        int
		check       func(*testing.T, []runpodapi.GpuType)
	}{
		{"plain list has no availability", "", 200, func(t *testing.T, gs []runpodapi.GpuType) {
			if len(gs) < 9 || gs[0].Availability != "" || gs[0].DataCenters != nil {
				t.Fatalf("plain list: %+v", gs[0])
			}
		}},
		{"community hides secure-only types", "?include=AVAILABILITY&product=POD&cloud=COMMUNITY", 200, func(t *testing.T, gs []runpodapi.GpuType) {
			for _, g := range gs {
				if !g.Community && (g.Availability != runpodapi.AvailabilityNone || g.DataCenters != nil) {
					t.Fatalf("secure-only %s in community: %+v", g.ID, g)
				}
			}
		}},
		{"count above maxCount offers nothing", "?include=AVAILABILITY&product=POD&count=9", 200, func(t *testing.T, gs []runpodapi.GpuType) {
			for _, g := range gs {
				if g.DataCenters != nil {
					t.Fatalf("%s offered for 9 GPUs", g.ID)
				}
			}
		}},
		{"country filter drops types", "?include=AVAILABILITY&product=POD&countryCodes=SE", 200, func(t *testing.T, gs []runpodapi.GpuType) {
			for _, g := range gs {
				for _, d := range g.DataCenters {
					if d.ID != "EU-SE-1" {
						t.Fatalf("%s listed outside SE: %s", g.ID, d.ID)
					}
				}
				if g.ID == "NVIDIA L40S" {
					t.Fatalf("L40S has no Swedish data center but is listed")
				}
			}
		}},
		{"include without product", "?include=AVAILABILITY", 400, nil},
		{"product without include", "?product=POD", 400, nil},
		{"count without include", "?count=2", 400, nil},
		{"cloud without include", "?cloud=SECURE", 400, nil},
		{"both cuda filters", "?include=AVAILABILITY&product=POD&cudaVersions=12.8&minCudaVersion=12", 400, nil},
		{"unknown include", "?include=PRICES", 422, nil},
		{"bad count", "?include=AVAILABILITY&product=POD&count=0", 422, nil},
		{"bad country", "?include=AVAILABILITY&product=POD&countryCodes=usa", 422, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, sim, http.MethodGet, "/v2/catalog/gpus"+tc.query, nil)
			if tc.code != 200 {
				problemOf(t, rec, tc.code)
				return
			}
			wantStatus(t, rec, 200)
			tc.check(t, decode[runpodapi.ListGpuTypesResponse](t, rec).Gpus)
		})
	}
}

func TestCatalogDataCenters(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	for _, tc := range []struct {
		name, query string
		code        int
		wantIDs     string
		gpuAvail    bool
	}{
		{"all", "", 200, "US-TX-3,US-KS-2,EU-RO-1,CA-MTL-1,EU-SE-1", false},
		{"europe with stock", "?regions=EUROPE&include=GPU_AVAILABILITY", 200, "EU-RO-1,EU-SE-1", true},
		{"compliance AND", "?compliance=GDPR,RENEWABLE", 200, "EU-SE-1", false},
		{"global network", "?globalNetwork=true&networkVolumeTypes=HIGH_PERFORMANCE", 200, "US-TX-3,EU-RO-1", false},
		{"bad region", "?regions=MARS", 422, "", false},
		{"bad include", "?include=AVAILABILITY", 422, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, sim, http.MethodGet, "/v2/catalog/datacenters"+tc.query, nil)
			if tc.code != 200 {
				problemOf(t, rec, tc.code)
				return
			}
			wantStatus(t, rec, 200)
			var ids []string
			for _, d := range decode[runpodapi.ListDataCentersResponse](t, rec).DataCenters {
				ids = append(ids, d.ID)
				if (len(d.GpuAvailability) > 0) != tc.gpuAvail {
					t.Fatalf("%s gpuAvailability = %+v, want present=%v", d.ID, d.GpuAvailability, tc.gpuAvail)
				}
			}
			if got := strings.Join(ids, ","); got != tc.wantIDs {
				t.Fatalf("data centers = %s, want %s", got, tc.wantIDs)
			}
		})
	}
}
