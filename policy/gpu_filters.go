package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// winnow applies the GPU filters one at a time and remembers what each
// removed, so an empty result can say which filter removed what.
type winnow struct {
	demand   gpuDemand
	types    []*runpodapi.GpuType
	pinned   []*runpodapi.GpuType // the pinned types in pinned order; nil = not pinned
	cloudAdj string               // "SECURE-cloud " once the cloud filter ran
	quals    []string             // what survivors have in common, e.g. "≥ 24 GB"
	removed  []string             // e.g. "5 below 24 GB"
}

// filter keeps the types keep accepts and returns the types before.
func (w *winnow) filter(keep func(*runpodapi.GpuType) bool) []*runpodapi.GpuType {
	before := w.types
	w.types = slices.DeleteFunc(slices.Clone(before), func(g *runpodapi.GpuType) bool { return !keep(g) })
	return before
}

// phrase describes n survivors of the filters so far: "3 SECURE-cloud GPU types ≥ 24 GB".
func (w *winnow) phrase(n int) string {
	noun := "GPU types"
	if n == 1 {
		noun = "GPU type"
	}
	pinned := ""
	if w.demand.Pinned != nil {
		pinned = "pinned "
	}
	p := fmt.Sprintf("%d %s%s%s", n, pinned, w.cloudAdj, noun)
	if len(w.quals) > 0 {
		p += " " + strings.Join(w.quals, " ")
	}
	return p
}

// exist is phrase(n) with its verb: "3 GPU types exist", "1 GPU type exists".
func (w *winnow) exist(n int) string {
	if n == 1 {
		return w.phrase(n) + " exists"
	}
	return w.phrase(n) + " exist"
}

// fail is the error for a filter that left nothing; note records what it removed.
func (w *winnow) fail(format string, args ...any) error {
	return noCandidates("GPU choice", fmt.Sprintf(format, args...))
}

func (w *winnow) note(removed int, format string, args ...any) {
	if removed > 0 {
		w.removed = append(w.removed, fmt.Sprintf("%d ", removed)+fmt.Sprintf(format, args...))
	}
}

func (w *winnow) byCloud() error {
	c := w.demand.Cloud
	before := w.filter(func(g *runpodapi.GpuType) bool { return g.InCloud(c) })
	if len(w.types) == 0 {
		return w.fail("%s, none offered in %s cloud", w.exist(len(before)), c)
	}
	w.note(len(before)-len(w.types), "not in %s cloud", c)
	w.cloudAdj = string(c) + "-cloud "
	return nil
}

func (w *winnow) byMemory() error {
	floor := w.demand.MinMemoryGB
	if floor <= 0 {
		return nil
	}
	before := w.filter(func(g *runpodapi.GpuType) bool { return g.Memory >= floor })
	if len(w.types) == 0 {
		largest := slices.MaxFunc(before, func(a, b *runpodapi.GpuType) int { return a.Memory - b.Memory })
		return w.fail("%s, none with ≥ %d GB VRAM; the largest has %d GB",
			w.exist(len(before)), floor, largest.Memory)
	}
	w.note(len(before)-len(w.types), "below %d GB", floor)
	w.quals = append(w.quals, fmt.Sprintf("≥ %d GB", floor))
	return nil
}

func (w *winnow) byCount() error {
	n, c := w.demand.Count, w.demand.Cloud
	before := w.filter(func(g *runpodapi.GpuType) bool { return g.MaxCount.For(c) >= n })
	if len(w.types) == 0 {
		most := slices.MaxFunc(before, func(a, b *runpodapi.GpuType) int { return a.MaxCount.For(c) - b.MaxCount.For(c) })
		return w.fail("%s, none takes %d GPUs per pod; the most is %d",
			w.exist(len(before)), n, most.MaxCount.For(c))
	}
	w.note(len(before)-len(w.types), "not taking %d GPUs per pod", n)
	if n > 1 {
		w.quals = append(w.quals, fmt.Sprintf("that take %d GPUs", n))
	}
	return nil
}

func (w *winnow) byPrice() error {
	limit, c := w.demand.MaxPrice, w.demand.Cloud
	if limit <= 0 {
		return nil
	}
	before := w.filter(func(g *runpodapi.GpuType) bool { return g.Price.For(c) <= limit+priceEpsilon })
	if len(w.types) == 0 {
		cheapest := slices.MinFunc(before, func(a, b *runpodapi.GpuType) int {
			return compareFloat(a.Price.For(c), b.Price.For(c))
		})
		all := "all above"
		if len(before) == 1 {
			all = "above"
		}
		return w.fail("%s, %s the %s per-GPU cap (%s); cheapest is %s",
			w.exist(len(before)), all, money(limit), w.demand.CapSource, money(cheapest.Price.For(c)))
	}
	w.note(len(before)-len(w.types), "above the %s cap", money(limit))
	w.quals = append(w.quals, fmt.Sprintf("within the %s cap", money(limit)))
	return nil
}

func (w *winnow) byStock() error {
	before := w.filter(func(g *runpodapi.GpuType) bool { return bestStock(g) != runpodapi.AvailabilityNone })
	if len(w.types) == 0 {
		return w.fail("%s, none has stock now (availability NONE)", w.exist(len(before)))
	}
	w.note(len(before)-len(w.types), "without stock")
	return nil
}

// options expands the surviving types into (type, data center) options: one
// per type when RunPod chooses the data center, else one per allowed data
// center where the type has stock.
func (w *winnow) options() ([]gpuOption, error) {
	var opts []gpuOption
	pinRank := func(g *runpodapi.GpuType) int { return slices.Index(w.pinned, g) }
	for _, g := range w.types {
		price := g.Price.For(w.demand.Cloud)
		if w.demand.DataCenters == nil {
			opts = append(opts, gpuOption{GPU: g, Availability: bestStock(g), PerGPUPrice: price, pinRank: pinRank(g)})
			continue
		}
		for i, dc := range w.demand.DataCenters {
			for _, s := range g.DataCenters {
				if strings.EqualFold(s.ID, dc) && s.Availability.Rank() > 0 {
					opts = append(opts, gpuOption{GPU: g, DataCenter: dc, Availability: s.Availability,
						PerGPUPrice: price, pinRank: pinRank(g), dcRank: i})
					break
				}
			}
		}
	}
	if len(opts) == 0 {
		return nil, w.fail("%s with stock, none in the allowed data centers (%s); stock is in %s",
			w.exist(len(w.types)), strings.Join(w.demand.DataCenters, ", "), strings.Join(w.stockedDataCenters(), ", "))
	}
	return opts, nil
}

// stockedDataCenters lists, sorted, where the surviving types have stock.
func (w *winnow) stockedDataCenters() []string {
	var ids []string
	for _, g := range w.types {
		for _, s := range g.DataCenters {
			if s.Availability.Rank() > 0 && !slices.Contains(ids, s.ID) {
				ids = append(ids, s.ID)
			}
		}
	}
	if len(ids) == 0 {
		return []string{"no data center the catalog lists"}
	}
	slices.Sort(ids)
	return ids
}

// explain is the one-line summary of a successful choice.
func (w *winnow) explain(opts []gpuOption) string {
	first := opts[0]
	where := ""
	if first.DataCenter != "" {
		where = " in " + first.DataCenter
	}
	var b strings.Builder
	fmt.Fprintf(&b, "first %d × %s%s at %s (%s stock); %d candidates from %s",
		w.demand.Count, first.GPU.ID, where, money(first.PerGPUPrice*float64(w.demand.Count)),
		first.Availability, len(opts), w.phrase(len(w.types)))
	if w.demand.DataCenters != nil {
		fmt.Fprintf(&b, " in %s", strings.Join(w.demand.DataCenters, ", "))
	}
	if len(w.removed) > 0 {
		fmt.Fprintf(&b, "; filtered out: %s", strings.Join(w.removed, ", "))
	}
	return b.String()
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
