package bench

import (
	"fmt"
	"slices"
	"time"
)

// samples is a set of measured durations.
type samples []time.Duration

// pct is the nearest-rank percentile p (0–100); 0 when empty.
func (s samples) pct(p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	sorted := slices.Clone(s)
	slices.Sort(sorted)
	rank := int(p/100*float64(len(sorted)) + 0.999999)
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// p50p95 renders "p50 / p95 (n=N)", or "—" when nothing was measured.
func (s samples) p50p95() string {
	if len(s) == 0 {
		return "—"
	}
	return fmt.Sprintf("%s / %s (n=%d)", dur(s.pct(50)), dur(s.pct(95)), len(s))
}

// dur renders a duration for the table: ms below 10 s, else s with one decimal.
func dur(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + dur(-d)
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	default:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
}

// ratio renders baseline ÷ kubelet as "N×", or "—".
func ratio(baseline, kubelet float64) string {
	if kubelet <= 0 || baseline <= 0 {
		return "—"
	}
	r := baseline / kubelet
	if r >= 10 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.2g×", r)
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
