package bench

import (
	"fmt"
	"time"
)

// sharedClusterID is the second kubelet's CLUSTER_ID: another cluster on
// the same RunPod account and API key.
const sharedClusterID = "rpk-bench-cluster-b"

// sharedKey runs two kubelets of two clusters (different CLUSTER_ID and node)
// on one API key, each with n steady pods, at the example quota: each one's
// requests and 429s, and their sum against each window of the shared quota.
func (e *env) sharedKey(w *podWatch, res *quotaResults, n int, p quotaPlan) {
	st := e.newStage(burstPage, setupQuota)
	defer st.close()
	r := &sharedResult{pods: n, page: burstPage}
	nodes := sharedNodes
	var ks []*kubelet
	for i, node := range nodes {
		var extra []string
		if i == 1 {
			extra = append(extra, "CLUSTER_ID="+sharedClusterID)
		}
		ks = append(ks, st.startKubelet(node, node, simKey, extra...))
	}
	p.heavy(2*n, func() {
		for i, node := range nodes {
			names := podNames(fmt.Sprintf("qs%c", 'a'+i), 0, n)
			st.createPods(w, node, names)
			e.waitAll(w, names, 10*time.Minute, "Ready", func(s seen) bool { return !s.ready.IsZero() })
			e.waitAnnotated(w, names, 5*time.Minute)
		}
	})
	snapshot := func() []kubeletCalls {
		out := make([]kubeletCalls, len(ks))
		for i, k := range ks {
			out[i] = k.calls()
		}
		return out
	}
	atSwitch, switched := snapshot(), time.Now()
	st.sim.SetQuota(exampleQuota)
	time.Sleep(p.settle)
	before := snapshot()
	t0 := time.Now()
	time.Sleep(p.window)
	t1 := time.Now()
	r.window = t1.Sub(t0)
	r.key = st.tap.count(simKey, t0, t1)
	r.key429 = st.tap.count(simKey, switched, t1).tooMany
	for i, after := range snapshot() {
		r.kubelets = append(r.kubelets, sharedKubelet{
			name:      nodes[i],
			perMinute: (after.total - before[i].total) * float64(time.Minute) / float64(r.window),
			tooMany:   int(after.tooMany - atSwitch[i].tooMany),
			known:     after.known && atSwitch[i].known,
		})
	}
	res.setShared(r)
	e.t.Logf("two kubelets on one key, %d pods each: %.1f/min and %.1f/min, key %.1f/min, %d×429 since the switch",
		n, r.kubelets[0].perMinute, r.kubelets[1].perMinute, r.key.perMinute(r.window), r.key429)
}

// kubeletCalls is the kubelet's own count of its RunPod requests.
type kubeletCalls struct {
	total, tooMany float64
	known          bool // the metric could be read
}

func (k *kubelet) calls() kubeletCalls {
	total, err := k.metric("runpod_kubelet_runpod_requests_total")
	if err != nil {
		return kubeletCalls{}
	}
	return kubeletCalls{total: total, tooMany: float64(max(k.count429(), 0)), known: true}
}
