package bench

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// table is a markdown table being built.
type table struct{ b strings.Builder }

func (t *table) row(cells ...string) {
	t.b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
}

func verdict(measured, ok bool) string {
	switch {
	case !measured:
		return "not measured"
	case ok:
		return "met"
	default:
		return "**missed**"
	}
}

// report renders the scenario's section of bench/RESULTS.md.
func (r *results) report() string {
	var out strings.Builder
	fmt.Fprintf(&out, "## Scenario: one virtual node, %s\n\n", scaleList(r.scales))
	fmt.Fprintf(&out, "Local control plane (etcd, kube-apiserver, scheduler, controller-manager on 127.0.0.1), the RunPod v2 "+
		"simulator in the test process (PROVISIONING %s, STARTING 0 s; quota raised to 100,000/min for setup — shares below "+
		"are of the spec's advertised %d/min), one runpod-kubelet process built as the Dockerfile builds it (no -race) with "+
		"the product defaults: RECONCILE_INTERVAL %s, STATUS_BUDGET_SHARE 0.25 (at this quota the budget never binds), fast interval 1 s while a pod is in transition, the LEASE_* defaults of app/config.go (LEASE_DURATION 15s), "+
		"the Kubernetes client QPS of app/clients.go. CPU-only bare pods, restartPolicy Never, created 32 "+
		"at a time through the API server. The baseline is the old project's status reading, run in the same process "+
		"against the same simulator at the same time: every %s, `GET /v2/pods/{id}` for each pod, one after the other; it "+
		"pushes nothing to Kubernetes, so its lag is when it could first have known (a lower bound).\n\n",
		provisioningDelay, specQuotaPerMinute, reconcileInterval, baselineInterval)

	var t table
	t.row("figure", "pods", "runpod-kubelet", "per-pod polling baseline", "baseline ÷ kubelet", "target", "result")
	t.row("---", "---:", "---", "---", "---:", "---", "---")
	for _, s := range r.scales {
		r.steadyRows(&t, s)
	}
	for _, s := range r.scales {
		r.lagRows(&t, s)
	}
	for _, s := range r.scales {
		r.createRows(&t, s)
	}
	r.otherRows(&t)
	out.WriteString(t.b.String())
	out.WriteString("\n")
	r.details(&out)
	return out.String()
}

func scaleList(scales []*scaleResult) string {
	var parts []string
	for _, s := range scales {
		parts = append(parts, fmt.Sprint(s.pods))
	}
	return strings.Join(parts, ", ") + " pods"
}

func (r *results) steadyRows(t *table, s *scaleResult) {
	n := fmt.Sprint(s.pods)
	if s.rounds == 0 {
		t.row("RunPod requests per reconcile round, steady", n, "—", "—", "—", "1 list per round", verdict(false, false))
		return
	}
	kreq := s.kubeletRequests()
	perRound := float64(kreq) / float64(s.rounds)
	onlyLists := len(s.routes) == 1 && s.routes["GET /v2/pods"] == kreq
	t.row("RunPod requests per reconcile round, steady", n,
		fmt.Sprintf("%.2f (%d rounds: %s)", perRound, s.rounds, routeSummary(s.routes)),
		fmt.Sprintf("%.1f (%d sweeps)", s.basePerRnd, s.baseRounds),
		ratio(s.basePerRnd, perRound), "1 list per round at any pod count", verdict(true, onlyLists && perRound <= 1.0001))
	kpm, bpm := s.perMinute(kreq), s.perMinute(s.baseReqs)
	t.row("RunPod requests per minute, steady", n, fmt.Sprintf("%.1f", kpm), fmt.Sprintf("%.0f", bpm), ratio(bpm, kpm), "—", "")
	kq, bq := 100*kpm/specQuotaPerMinute, 100*bpm/specQuotaPerMinute
	t.row(fmt.Sprintf("share of the spec's %d/min quota, steady", specQuotaPerMinute), n,
		fmt.Sprintf("%.0f %%", kq), fmt.Sprintf("%.0f %%", bq), ratio(bq, kq), "—", "")
}

func (r *results) lagRows(t *table, s *scaleResult) {
	n := fmt.Sprint(s.pods)
	if len(s.transition) > 0 {
		t.row("status lag, pod in transition (RunPod RUNNING → Kubernetes Ready) p50 / p95", n, s.transition.p50p95(),
			s.baseTransit.p50p95(), ratio(float64(s.baseTransit.pct(95)), float64(s.transition.pct(95))),
			"p95 ≤ 2 s", verdict(true, s.transition.pct(95) <= 2*time.Second))
	}
	if len(s.steadyLag) > 0 {
		t.row("status lag, steady pod (RunPod EXITED → Kubernetes Succeeded) p50 / p95", n, s.steadyLag.p50p95(),
			s.baseSteady.p50p95(), ratio(float64(s.baseSteady.pct(95)), float64(s.steadyLag.pct(95))),
			fmt.Sprintf("none (bounded by RECONCILE_INTERVAL %s)", reconcileInterval), "")
	}
}

func (r *results) createRows(t *table, s *scaleResult) {
	if len(s.boundCreate) == 0 {
		return
	}
	n := fmt.Sprint(s.pods)
	t.row("bound → create request received p50 / p95", n, s.boundCreate.p50p95(), "not modelled", "",
		"p95 ≤ 200 ms", verdict(true, s.boundCreate.pct(95) <= 200*time.Millisecond))
	if s.createRoutes != nil {
		var total int64
		for _, v := range s.createRoutes {
			total += v
		}
		t.row(fmt.Sprintf("RunPod requests while creating %d pods (until all Ready and annotated, %s)", s.created, dur(s.createTook)), n,
			fmt.Sprintf("%d: %s", total, routeSummary(s.createRoutes)), "not modelled", "", "—", "")
		if s.createTook > 0 && len(s.kubeWrites) > 0 {
			var writes float64
			var kinds []string
			for _, k := range slices.Sorted(maps.Keys(s.kubeWrites)) {
				writes += s.kubeWrites[k]
				kinds = append(kinds, fmt.Sprintf("%s %.0f", k, s.kubeWrites[k]))
			}
			t.row(fmt.Sprintf("kubelet's Kubernetes writes while creating %d pods", s.created), n,
				fmt.Sprintf("%.0f (%s): %.1f per pod, %.1f/s", writes, strings.Join(kinds, ", "), writes/float64(s.created),
					writes/s.createTook.Seconds()), "not modelled", "", "— (the client's QPS caps the rate)", "")
		}
	}
}

func (r *results) otherRows(t *table) {
	if r.burstPods > 0 {
		t.row(fmt.Sprintf("%d-pod burst: first create request → all Running (RunPod provisioning %s)", r.burstPods, provisioningDelay),
			fmt.Sprint(r.burstPods), fmt.Sprintf("%s (last bound %s, last RunPod create %s)", dur(r.burstRunning), dur(r.burstBound), dur(r.burstCreated)),
			"not modelled", "", "≤ 15 s", verdict(true, r.burstRunning <= 15*time.Second))
	}
	ha := fmt.Sprint(r.haPods)
	if len(r.handover) > 0 {
		t.row("leader handover: SIGTERM → standby holds the Lease (p50 / max)", ha,
			fmt.Sprintf("%s / %s (n=%d)", dur(r.handover.pct(50)), dur(r.handover.pct(100)), len(r.handover)), "not modelled", "",
			"≤ 2 s", verdict(true, r.handover.pct(100) <= 2*time.Second))
		t.row("… SIGTERM → new leader reconciling (p50 / max)", ha,
			fmt.Sprintf("%s / %s", dur(r.handoverReconciling.pct(50)), dur(r.handoverReconciling.pct(100))), "not modelled", "", "—", "")
	}
	if len(r.takeover) > 0 {
		t.row("leader takeover: kill -9 → standby holds the Lease, LEASE_DURATION 15 s (p50 / max)", ha,
			fmt.Sprintf("%s / %s (n=%d)", dur(r.takeover.pct(50)), dur(r.takeover.pct(100)), len(r.takeover)), "not modelled", "",
			"≈ LEASE_DURATION (no target)", "")
		t.row("… kill -9 → new leader reconciling (p50 / max)", ha,
			fmt.Sprintf("%s / %s", dur(r.takeoverReconciling.pct(50)), dur(r.takeoverReconciling.pct(100))), "not modelled", "", "—", "")
	}
	if r.rssPods > 0 {
		t.row("kubelet peak RSS (VmHWM) over the run", fmt.Sprint(r.rssPods), fmt.Sprintf("%s (RSS now %s)", mib(r.peakRSS), mib(r.rss)),
			"not modelled", "", "≤ 150 MiB", verdict(true, r.peakRSS <= 150<<20))
		t.row("kubelet CPU seconds (utime+stime) since start", fmt.Sprint(r.rssPods),
			fmt.Sprintf("%.1f s over %s of wall time", r.cpuTotal.Seconds(), dur(r.uptime)), "not modelled", "", "—", "")
		if s := r.scaleOf(r.rssPods); s != nil && s.window > 0 {
			t.row("… in steady state, per minute", fmt.Sprint(s.pods),
				fmt.Sprintf("%.2f s", s.steadyCPU.Seconds()*float64(time.Minute)/float64(s.window)), "not modelled", "", "—", "")
			if s.created > 0 {
				t.row(fmt.Sprintf("… while creating %d pods", s.created), fmt.Sprint(s.pods),
					fmt.Sprintf("%.1f s over %s", s.createCPU.Seconds(), dur(s.createTook)), "not modelled", "", "—", "")
			}
		}
	}
}

func (r *results) scaleOf(n int) *scaleResult {
	for _, s := range r.scales {
		if s.pods == n {
			return s
		}
	}
	return nil
}

func routeSummary(routes map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(routes)) {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, routes[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func (r *results) details(out *strings.Builder) {
	fmt.Fprintf(out, "Notes:\n\n")
	if r.memstats != "" {
		fmt.Fprintf(out, "- Go memory of the kubelet at %d pods, steady: %s; all the Go runtime holds from the OS %s.\n",
			r.rssPods, r.memstats, mib(r.goSys))
		fmt.Fprintf(out, "- Its RSS then, %s, is %s anonymous (heap, stacks, runtime) and %s file-backed (pages of the %s binary read in).\n",
			mib(r.rss), mib(r.rssAnon), mib(r.rssFile), mib(r.binarySize))
	}
	if r.postsPerPod > 0 {
		fmt.Fprintf(out, "- RunPod creates per pod over the whole run: %.3f (`POST /v2/pods` ÷ pods created).\n", r.postsPerPod)
	}
	if r.haPods > 0 {
		fmt.Fprintf(out, "- HA: %d creates sent across the handovers and takeovers (want 0); SIGTERM → old leader exited p50 %s.\n",
			r.haCreates, dur(r.stopTook.pct(50)))
	}
	for _, s := range r.scales {
		if s.baseRoundMs > 0 {
			fmt.Fprintf(out, "- Baseline sweep of %d pods took %s (sequential GETs on loopback).\n", s.pods, dur(s.baseRoundMs))
		}
	}
	for _, n := range r.notes {
		fmt.Fprintf(out, "- %s\n", n)
	}
	if len(r.profiles) > 0 {
		fmt.Fprintf(out, "- pprof profiles of the kubelet: %s.\n", strings.Join(r.profiles, ", "))
	}
	fmt.Fprintf(out, "- Scenario wall time: %s.\n", dur(time.Since(r.started)))
}

// write saves the report to RPK_BENCH_OUT, or logs it.
func (r *results) write(logf func(string, ...any)) {
	text := r.report()
	if path := os.Getenv("RPK_BENCH_OUT"); path != "" {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			logf("write %s: %v", path, err)
		}
	}
	logf("\n%s", text)
}
