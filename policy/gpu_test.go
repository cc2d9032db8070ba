package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// optionIDs renders options as "type@dc" (or "type" when RunPod chooses).
func optionIDs(opts []gpuOption) []string {
	var out []string
	for _, o := range opts {
		s := o.GPU.ID
		if o.DataCenter != "" {
			s += "@" + o.DataCenter
		}
		out = append(out, s)
	}
	return out
}

func TestChooseGPUs(t *testing.T) {
	const (
		a5000 = "NVIDIA RTX A5000"
		r3090 = "NVIDIA GeForce RTX 3090"
		l40s  = "NVIDIA L40S"
		h100  = "NVIDIA H100 80GB HBM3"
	)
	secure := func(mods ...func(*gpuDemand)) gpuDemand {
		d := gpuDemand{Count: 1, Cloud: runpodapi.CloudSecure, CapSource: "node MAX_GPU_PRICE"}
		for _, m := range mods {
			m(&d)
		}
		return d
	}
	noStock := testCatalog()
	for i := range noStock {
		noStock[i].Availability = runpodapi.AvailabilityNone
		noStock[i].DataCenters = nil
	}
	tied := []runpodapi.GpuType{
		gpuType("B-low", 24, 0.5, 0, runpodapi.AvailabilityLow),
		gpuType("C-high", 24, 0.5, 0, runpodapi.AvailabilityHigh),
		gpuType("A-low", 24, 0.5, 0, runpodapi.AvailabilityLow),
		gpuType("Z-cheap", 24, 0.4, 0, runpodapi.AvailabilityLow),
		gpuType("dc-only-stock", 24, 0.6, 0, "", "US-TX-3=MEDIUM"),
	}

	tests := []struct {
		name      string
		catalog   []runpodapi.GpuType
		demand    gpuDemand
		want      []string
		wantExpl  []string
		wantErr   []string
		wantPrice []float64
		kind      error // of wantErr; default ErrNoCandidates
	}{
		{name: "cheapest first, RunPod chooses data center", catalog: testCatalog(), demand: secure(),
			want:      []string{a5000, r3090, l40s, h100},
			wantPrice: []float64{0.27, 0.43, 0.86, 2.69},
			wantExpl:  []string{"first 1 × NVIDIA RTX A5000 at $0.27/h (HIGH stock); 4 candidates from 4 SECURE-cloud GPU types"}},
		{name: "VRAM floor", catalog: testCatalog(), demand: secure(func(d *gpuDemand) { d.MinMemoryGB = 48 }),
			want: []string{l40s, h100}, wantExpl: []string{"from 2 SECURE-cloud GPU types ≥ 48 GB", "filtered out: 2 below 48 GB"}},
		{name: "price cap", catalog: testCatalog(), demand: secure(func(d *gpuDemand) { d.MaxPrice = 0.5 }),
			want: []string{a5000, r3090}, wantExpl: []string{"within the $0.50/h cap", "filtered out: 2 above the $0.50/h cap"}},
		{name: "price cap at exactly the price", catalog: testCatalog(), demand: secure(func(d *gpuDemand) { d.MaxPrice = 0.43 }),
			want: []string{a5000, r3090}},
		{name: "community prices and membership", catalog: testCatalog(), demand: secure(func(d *gpuDemand) { d.Cloud = runpodapi.CloudCommunity }),
			want: []string{a5000, r3090, l40s}, wantPrice: []float64{0.16, 0.22, 0.79},
			wantExpl: []string{"COMMUNITY-cloud", "filtered out: 1 not in COMMUNITY cloud"}},
		{name: "multi-GPU", catalog: testCatalog(), demand: secure(func(d *gpuDemand) { d.Count = 2; d.MinMemoryGB = 24 }),
			want: []string{a5000, r3090, l40s, h100}, wantExpl: []string{"first 2 × NVIDIA RTX A5000 at $0.54/h", "GPU types ≥ 24 GB that take 2 GPUs"}},
		{name: "multi-GPU beyond community maxCount", catalog: testCatalog(),
			demand:  secure(func(d *gpuDemand) { d.Count = 8; d.Cloud = runpodapi.CloudCommunity }),
			wantErr: []string{"GPU choice: 3 COMMUNITY-cloud GPU types exist, none takes 8 GPUs per pod; the most is 4"}},
		{name: "some types cannot take the count", demand: secure(func(d *gpuDemand) { d.Count = 4 }), catalog: func() []runpodapi.GpuType {
			c := testCatalog()
			c[0].MaxCount.Secure = 2
			return c
		}(), want: []string{a5000, l40s, h100}, wantExpl: []string{"filtered out: 1 not taking 4 GPUs per pod"}},
		{name: "all above cap: says which and the cheapest", catalog: testCatalog(),
			demand:  secure(func(d *gpuDemand) { d.MinMemoryGB = 24; d.MaxPrice = 0.20 }),
			wantErr: []string{"4 SECURE-cloud GPU types ≥ 24 GB exist, all above the $0.20/h per-GPU cap (node MAX_GPU_PRICE); cheapest is $0.27/h"}},
		{name: "one above a pod cap", catalog: testCatalog(),
			demand:  secure(func(d *gpuDemand) { d.MinMemoryGB = 80; d.MaxPrice = 1; d.CapSource = "annotation runpod.io/max-price" }),
			wantErr: []string{"1 SECURE-cloud GPU type ≥ 80 GB exists, above the $1.00/h per-GPU cap (annotation runpod.io/max-price); cheapest is $2.69/h"}},
		{name: "VRAM floor too high", catalog: testCatalog(), demand: secure(func(d *gpuDemand) { d.MinMemoryGB = 141 }),
			wantErr: []string{"4 SECURE-cloud GPU types exist, none with ≥ 141 GB VRAM; the largest has 80 GB"}},
		{name: "no stock", catalog: noStock, demand: secure(func(d *gpuDemand) { d.MaxPrice = 1 }),
			wantErr: []string{"3 SECURE-cloud GPU types within the $1.00/h cap exist, none has stock now (availability NONE)"}},
		{name: "some without stock", catalog: append(testCatalog(), noStock[0]), demand: secure(),
			want: []string{a5000, r3090, l40s, h100}, wantExpl: []string{"filtered out: 1 without stock"}},
		{name: "data centers: one option per stocked allowed data center", catalog: testCatalog(),
			demand:   secure(func(d *gpuDemand) { d.DataCenters = []string{"US-TX-3", "EU-RO-1"} }),
			want:     []string{a5000 + "@EU-RO-1", r3090 + "@US-TX-3", r3090 + "@EU-RO-1", l40s + "@US-TX-3", h100 + "@US-TX-3"},
			wantExpl: []string{"first 1 × NVIDIA RTX A5000 in EU-RO-1 at $0.27/h (HIGH stock); 5 candidates from 4 SECURE-cloud GPU types in US-TX-3, EU-RO-1"}},
		{name: "data centers: none stocked", catalog: testCatalog(), demand: secure(func(d *gpuDemand) { d.DataCenters = []string{"AP-JP-1"} }),
			wantErr: []string{"4 SECURE-cloud GPU types exist with stock, none in the allowed data centers (AP-JP-1); stock is in EU-RO-1, US-CA-2, US-TX-3"}},
		{name: "data centers: stock only reported overall", catalog: []runpodapi.GpuType{gpuType("X", 24, 0.3, 0, runpodapi.AvailabilityHigh)},
			demand:  secure(func(d *gpuDemand) { d.DataCenters = []string{"US-TX-3"} }),
			wantErr: []string{"stock is in no data center the catalog lists"}},
		{name: "pinned order kept, cap still applies", catalog: testCatalog(),
			demand: secure(func(d *gpuDemand) { d.Pinned = []string{h100, "nvidia l40s", a5000}; d.MaxPrice = 1 }),
			want:   []string{l40s, a5000}, wantExpl: []string{"from 2 pinned SECURE-cloud GPU types", "1 above the $1.00/h cap"}},
		{name: "pinned by the names people type", catalog: testCatalog(),
			demand: secure(func(d *gpuDemand) { d.Pinned = []string{"h100", "A5000"} }),
			want:   []string{h100, a5000}},
		{name: "a pinned name not in the catalog is refused", catalog: testCatalog(),
			demand:  secure(func(d *gpuDemand) { d.Pinned = []string{h100, "NVIDIA B300"} }),
			wantErr: []string{"annotation runpod.io/gpu-type-ids", `"NVIDIA B300" matches no GPU type`}, kind: ErrRefused},
		{name: "pinned with data centers", catalog: testCatalog(),
			demand: secure(func(d *gpuDemand) { d.Pinned = []string{r3090, a5000}; d.DataCenters = []string{"EU-RO-1", "US-TX-3"} }),
			want:   []string{r3090 + "@EU-RO-1", r3090 + "@US-TX-3", a5000 + "@EU-RO-1"}},
		{name: "placeholders are no types", catalog: append(testCatalog(), gpuType("unknown", 0, 0.01, 0.01, runpodapi.AvailabilityHigh)),
			demand: secure(), want: []string{a5000, r3090, l40s, h100}},
		{name: "pinned not in cloud", catalog: testCatalog(), demand: secure(func(d *gpuDemand) { d.Pinned = []string{h100}; d.Cloud = runpodapi.CloudCommunity }),
			wantErr: []string{"1 pinned GPU type exists, none offered in COMMUNITY cloud"}},
		{name: "empty catalog", demand: secure(), wantErr: []string{"GPU choice: the RunPod GPU catalog is empty"}},
		{name: "ties: price, then stock, then id", catalog: tied, demand: secure(),
			want: []string{"Z-cheap", "C-high", "A-low", "B-low", "dc-only-stock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, expl, err := chooseGPUs(tt.catalog, tt.demand)
			if tt.wantErr != nil {
				wantPolicyError(t, err, cmp.Or(tt.kind, ErrNoCandidates), tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := optionIDs(opts); !slices.Equal(got, tt.want) {
				t.Errorf("options %q\nwant    %q", got, tt.want)
			}
			for _, w := range tt.wantExpl {
				if !strings.Contains(expl, w) {
					t.Errorf("explanation %q does not contain %q", expl, w)
				}
			}
			for i, p := range tt.wantPrice {
				if opts[i].PerGPUPrice != p {
					t.Errorf("option %d price %v, want %v", i, opts[i].PerGPUPrice, p)
				}
			}
		})
	}
}

func TestBestStock(t *testing.T) {
	tests := []struct {
		overall runpodapi.AvailabilityLevel
		dcs     []string
		want    runpodapi.AvailabilityLevel
	}{
		{"", nil, runpodapi.AvailabilityNone},
		{runpodapi.AvailabilityNone, []string{"A=NONE"}, runpodapi.AvailabilityNone},
		{runpodapi.AvailabilityLow, []string{"A=HIGH"}, runpodapi.AvailabilityHigh},
		{runpodapi.AvailabilityHigh, []string{"A=LOW"}, runpodapi.AvailabilityHigh},
		{"", []string{"A=MEDIUM"}, runpodapi.AvailabilityMedium},
	}
	for _, tt := range tests {
		g := gpuType("x", 1, 1, 1, tt.overall, tt.dcs...)
		if got := bestStock(&g); got != tt.want {
			t.Errorf("bestStock(%q, %v) = %q, want %q", tt.overall, tt.dcs, got, tt.want)
		}
	}
}

func TestMoney(t *testing.T) {
	for in, want := range map[float64]string{0: "$0.00/h", 0.5: "$0.50/h", 0.69: "$0.69/h", 2.69: "$2.69/h", 0.345: "$0.345/h", 12: "$12.00/h", 1.23456: "$1.2346/h"} {
		if got := money(in); got != want {
			t.Errorf("money(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestParseGPUTypeIDsLength(t *testing.T) {
	_, err := ParseAnnotations(annotationsOf(AnnotationGPUTypeIDs, strings.Repeat("x", 257)), nil)
	wantPolicyError(t, err, ErrRefused, "is not a GPU type id")
	_, err = ParseAnnotations(annotationsOf(AnnotationGPUTypeIDs, fmt.Sprintf("%s,%s", "a", "a")), nil)
	if err != nil {
		t.Error(err)
	}
}
