package bench

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// quotaSection is the heading bench/RESULTS.md gives TestQuota's table.
const quotaSection = "## Scenario: the spec's example quota, paginated listings"

// report renders TestQuota's section of bench/RESULTS.md.
func (r *quotaResults) report() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out strings.Builder
	out.WriteString(quotaSection + "\n\n")
	fmt.Fprintf(&out, "The control plane and kubelet binary of the scenario above; each scenario below has a virtual node and an "+
		"in-process simulator of its own (PROVISIONING %s, STARTING 0 s) at the spec's example quota, %d/min, %d/h, %d/day: fixed "+
		"windows aligned to UTC boundaries, counted per API key, so counts start afresh in each. `GET /v2/pods` is paginated "+
		"(page size in the table). The kubelet runs with RECONCILE_INTERVAL %s and STATUS_BUDGET_SHARE %s (the share of the "+
		"advertised quota it may spend on status; binaries before the setting ignore it). Bursts: N pods created at once on an "+
		"empty node at the example quota from the start, timed from the first create request the simulator received to all "+
		"Running in Kubernetes, against the quota-bound minimum: the fixed windows, as that create found them, simulated to admit "+
		"N creates and then, once the last pod has provisioned, the ⌈N/P⌉ pages that show it RUNNING. Steady: the pods are set "+
		"up at a raised quota, the simulator then switches to the example quota, the kubelet settles for %s, and a window of at "+
		"least %s measures requests and 429s per key as the simulator saw them, up to %d steady pods set EXITED spread over one "+
		"listing period at the status budget B, then, once all are Succeeded, %d pods created one at a time (they bring the node to the pod count; "+
		"at 1 pod, to 4). The baseline polls as in the table above "+
		"but on its own API key at the same quota, and, like the old project, ignores RateLimit headers and Retry-After and does "+
		"not retry. Two kubelets: two clusters (CLUSTER_ID, node) on one key. Scenarios run side by side in %d tracks; setups of "+
		"%d pods or more never overlap each other or a burst's start.\n\n",
		provisioningDelay, exampleQuota.Minute, exampleQuota.Hour, exampleQuota.Day, quotaReconcile, statusShare(),
		dur(r.plan.settle), dur(r.plan.window), quotaFlips, quotaTransitions, r.plan.tracks, heavyPods)

	var t table
	t.row("figure", "pods", "page size", "runpod-kubelet", "per-pod polling baseline", "baseline ÷ kubelet", "target", "result")
	t.row("---", "---:", "---:", "---", "---", "---:", "---", "---")
	for _, b := range r.bursts {
		b.rows(&t)
	}
	for _, s := range r.steadys {
		s.rows(&t)
	}
	if r.twoKeys != nil {
		r.twoKeys.rows(&t)
	}
	out.WriteString(t.b.String() + "\nNotes:\n\n")
	for _, b := range r.bursts {
		fmt.Fprintf(&out, "- %d-pod burst: the windows at the first create: %s.\n", b.pods, windowsText(b.windows))
	}
	for _, s := range r.steadys {
		src := "the kubelet's gauge `" + budgetMetric + "`"
		if !s.budgetFromMetric {
			src = fmt.Sprintf("no `%s` gauge, so %s × the slowest window's rate (%.1f/min)", budgetMetric, statusShare(), slowestRate(exampleQuota))
		}
		fmt.Fprintf(&out, "- %s, page %d: B = %.2f/min from %s; window %s, ending %s after the switch to the example quota.\n",
			plural(s.pods, "pod"), s.page, s.budget, src, dur(s.window), dur(s.since))
	}
	for _, n := range r.notes {
		fmt.Fprintf(&out, "- %s\n", n)
	}
	fmt.Fprintf(&out, "- Scenario wall time: %s.\n", dur(time.Since(r.started)))
	return out.String()
}

func (b *burstResult) rows(t *table) {
	n, page := fmt.Sprint(b.pods), fmt.Sprint(b.page)
	target, ok := "—", ""
	if b.pods >= 500 {
		target, ok = "ratio ≥ 0.85", verdict(true, b.finished && b.ratio() >= 0.85)
	}
	cell := fmt.Sprintf("first create → all Running %s; quota-bound minimum %s; ratio %.2f", dur(b.measured), dur(b.bound), b.ratio())
	if !b.finished {
		cell = fmt.Sprintf("%d of %d Running after %s; quota-bound minimum %s; ratio < %.2f", b.running, b.pods, dur(b.measured), dur(b.bound), b.ratio())
	}
	t.row(fmt.Sprintf("%d-pod burst at the example quota", b.pods), n, page, cell, "not modelled", "", target, ok)
	t.row("… RunPod requests during the burst", n, page, fmt.Sprintf("%d: %s", b.kubelet.total, routeSummary(b.kubelet.routes)),
		"not modelled", "", "—", "")
	t.row("429 responses received", n, page, fmt.Sprintf("%d in the burst%s", b.kubelet.tooMany, metricSays(b.metric429)),
		"not modelled", "", "0", verdict(true, b.kubelet.tooMany == 0))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func metricSays(n int) string {
	if n < 0 {
		return ""
	}
	return fmt.Sprintf(" (the kubelet's metric: %d)", n)
}

func (s *steadyResult) rows(t *table) {
	n, page := fmt.Sprint(s.pods), fmt.Sprint(s.page)
	kpm, bpm := s.kubelet.perMinute(s.window), s.baseline.perMinute(s.window)
	t.row("RunPod requests per minute, steady at the example quota", n, page,
		fmt.Sprintf("%.1f (%s)", kpm, routeSummary(s.kubelet.routes)),
		fmt.Sprintf("%.0f (%d answered 429)", bpm, s.baseline.tooMany), ratio(bpm, kpm), "—", "")
	t.row("share of each window (minute / hour / day), steady", n, page, sharesText(kpm), sharesText(bpm),
		ratio(bpm, kpm), "minute ≤ 50 %", verdict(s.window > 0, kpm/float64(exampleQuota.Minute) <= 0.5))
	t.row("status lag, steady pod (RunPod EXITED → Kubernetes Succeeded) p50 / p95", n, page,
		lagText(s.steadyLag, s.steadyUnseen), lagText(s.baseSteady, s.baseSteadyUnseen),
		ratio(float64(s.baseSteady.pct(95)), float64(s.steadyLag.pct(95))), "—", "")
	p95, known := p95Of(s.steadyLag, s.steadyUnseen)
	cell := fmt.Sprintf("p95 %s vs bound %s (%s × 60 / B %.2f/min, the status budget; listings took %.2f/min while the flips were seen): %.2f×",
		dur(p95), dur(s.bound), plural(s.pages, "page"), s.budget, s.listing, float64(p95)/float64(s.bound))
	if !known {
		cell = fmt.Sprintf("p95 not reached (%d of %d flips not seen) vs bound %s", s.steadyUnseen, len(s.steadyLag)+s.steadyUnseen, dur(s.bound))
	}
	t.row("steady-pod lag p95 vs budget bound", n, page, cell, "—", "", "≤ 1.2×", verdict(true, known && float64(p95) <= 1.2*float64(s.bound)))
	// A pod in transition is read at most once each FastInterval: that is its bound.
	p, k := p95Of(s.transition, s.transUnseen)
	target, ok := fmt.Sprintf("as low as the budget allows (bound %s: one read by id each FastInterval)", dur(fastInterval)), "p95 not reached"
	if k {
		ok = fmt.Sprintf("%.1f× the bound", float64(p)/float64(fastInterval))
	}
	if s.pods == 100 {
		target, ok = "p95 ≤ 2 s", verdict(true, k && p <= 2*time.Second)
	}
	t.row("status lag, pod in transition (RunPod RUNNING → Kubernetes Ready) p50 / p95", n, page,
		lagText(s.transition, s.transUnseen), lagText(s.baseTransit, s.baseTransUnseen),
		ratio(float64(s.baseTransit.pct(95)), float64(s.transition.pct(95))), target, ok)
	t.row("429 responses received", n, page, fmt.Sprintf("%d since the switch to the example quota", s.kubelet429),
		fmt.Sprintf("%d (its own key)", s.base429), "", "0", verdict(true, s.kubelet429 == 0))
}

func (s *sharedResult) rows(t *table) {
	n, page := fmt.Sprintf("%d + %d", s.pods, s.pods), fmt.Sprint(s.page)
	var each, tooMany []string
	sum, okAll := 0.0, true
	for _, k := range s.kubelets {
		if !k.known {
			each, tooMany, okAll = append(each, k.name+" unknown"), append(tooMany, k.name+" unknown"), false
			continue
		}
		each = append(each, fmt.Sprintf("%s %.1f", k.name, k.perMinute))
		tooMany = append(tooMany, fmt.Sprintf("%s %d", k.name, k.tooMany))
		sum += k.perMinute
		okAll = okAll && k.tooMany == 0
	}
	t.row("two kubelets on one API key: RunPod requests per minute, each (its own metric)", n, page,
		strings.Join(each, ", "), "not modelled", "", "—", "")
	kpm := s.key.perMinute(s.window)
	inside := kpm <= float64(exampleQuota.Minute) && kpm*60 <= float64(exampleQuota.Hour) && kpm*1440 <= float64(exampleQuota.Day)
	t.row("… their sum as a share of each window (minute / hour / day)", n, page,
		fmt.Sprintf("%.1f/min at the simulator (%.1f by their metrics): %s", kpm, sum, sharesText(kpm)),
		"not modelled", "", "inside every window", verdict(s.window > 0, inside))
	t.row("429 responses received", n, page, fmt.Sprintf("%s since the switch (the simulator: %d)", strings.Join(tooMany, ", "), s.key429),
		"not modelled", "", "0 each", verdict(true, okAll && s.key429 == 0))
}

// sharesText renders a rate as its share of each window of the example quota.
func sharesText(perMinute float64) string {
	return fmt.Sprintf("%.0f %% / %.0f %% / %.0f %%", 100*perMinute/float64(exampleQuota.Minute),
		100*perMinute*60/float64(exampleQuota.Hour), 100*perMinute*1440/float64(exampleQuota.Day))
}

// lagText is p50p95 plus how many were never seen.
func lagText(s samples, unseen int) string {
	if unseen == 0 {
		return s.p50p95()
	}
	return fmt.Sprintf("%s, %d not seen", s.p50p95(), unseen)
}

// p95Of is the 95th percentile counting the unseen as slower than every
// sample; known is false when the percentile falls among them.
func p95Of(s samples, unseen int) (time.Duration, bool) {
	total := len(s) + unseen
	if total == 0 {
		return 0, false
	}
	rank := int(math.Ceil(0.95 * float64(total)))
	if rank > len(s) {
		return 0, false
	}
	sorted := slices.Clone(s)
	slices.Sort(sorted)
	return sorted[rank-1], true
}

func windowsText(ws []quotaWindow) string {
	var parts []string
	for _, w := range ws {
		parts = append(parts, fmt.Sprintf("%s %d of %d left, resets in %s", lengthName(w.length), w.remaining, w.quota, dur(w.reset)))
	}
	if len(parts) == 0 {
		return "none (no quota)"
	}
	return strings.Join(parts, "; ")
}

func lengthName(d time.Duration) string {
	switch d {
	case time.Minute:
		return "minute"
	case time.Hour:
		return "hour"
	case 24 * time.Hour:
		return "day"
	}
	return d.String()
}

// write saves the section to RPK_BENCH_QUOTA_OUT, or logs it.
func (r *quotaResults) write(logf func(string, ...any)) {
	text := r.report()
	if path := os.Getenv("RPK_BENCH_QUOTA_OUT"); path != "" {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			logf("write %s: %v", path, err)
		}
	}
	logf("\n%s", text)
}
