package app

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// exportedMetricNames are the series names /metrics serves once every
// collector has seen a value (histograms with their _bucket/_sum/_count).
func exportedMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	m := newMetrics()
	m.observeRunPod(runpodapi.CallResult{Route: "GET /v2/pods", Status: 200, Duration: time.Millisecond})
	m.pods.Count("create")
	m.pods.RoundDone(podsync.RoundFigures{Took: time.Millisecond, ListedAt: time.Unix(1, 0),
		Usage: []podsync.PodUsage{{Namespace: "ml", Name: "train", GPUType: "NVIDIA L40S", GPUs: []podsync.GPUUsage{{Util: 0.5}}}}})
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			names[f.GetName()+suffix] = true
		}
	}
	return names
}

var kubeletMetric = regexp.MustCompile(`\brunpod_kubelet_[a-z_]+\b`)

// Every query of the shipped dashboard and alerts names a metric the
// kubelet exports, so a renamed metric cannot leave a panel or alert blind.
func TestDashboardAndAlertsNameExportedMetrics(t *testing.T) {
	exported := exportedMetricNames(t)
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	raw, err := os.ReadFile("../chart/monitoring/dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	if dash.Title == "" || len(dash.Panels) < 6 {
		t.Fatalf("dashboard %q has %d panels", dash.Title, len(dash.Panels))
	}
	queries := map[string]string{}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			queries["panel "+p.Title] += tg.Expr + "\n"
		}
	}
	rules, err := os.ReadFile("../chart/monitoring/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	queries["rules.yaml"] = string(rules)
	for where, q := range queries {
		used := kubeletMetric.FindAllString(q, -1)
		if len(used) == 0 {
			t.Errorf("%s names no runpod-kubelet metric: %s", where, q)
		}
		for _, name := range used {
			if !exported[name] {
				t.Errorf("%s names %s, which the kubelet does not export", where, name)
			}
		}
	}
	for _, want := range []string{"hourly_spend_usd", "runpod_pods", "requests_total", "429", "last_listing_timestamp"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the dashboard shows nothing of %s", want)
		}
	}
}
