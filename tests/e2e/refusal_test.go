package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
)

// refusalCase is one pod runpod-kubelet must hold back, and the Warning that says why.
type refusalCase struct {
	name        string
	annotations map[string]string
	extra       string   // appended to the main container (a second container, ports)
	cpu         bool     // a CPU pod (no GPUs) instead of one GPU
	reason      string   // the Event reason and the pod's status.reason
	want        []string // what the Event message must name
}

// Scenario 5: bad input, each in its own pod, one kubelet (allow-list US-TX-3,
// namespace default only, one network volume allowed). Pods refused for
// their own content make no RunPod call at all; pods whose fit depends on the
// market read the catalog, wait, and never create. Pods the node must not run
// at all (the taint not tolerated though spec.nodeName names the node, a
// namespace not served) fail at admission, like on a kubelet.
func TestRefusalsMakeNoRunPodCall(t *testing.T) {
	t.Parallel() // no latency assertion: safe beside another scenario
	e := newEnv(t, nil)
	e.startKubelet("replica-a", "DATACENTER_IDS=US-TX-3", "ALLOWED_NAMESPACES=default",
		"ALLOWED_NETWORK_VOLUME_IDS=default/vol-ok")
	e.waitNodeReady()
	e.c.Kubectl(t, "create", "namespace", "outsiders")

	refusals := []refusalCase{
		{name: "bad-datacenter", annotations: map[string]string{"runpod.io/datacenter-ids": "EU-RO-1"},
			reason: podsync.EventRefused,
			want:   []string{"runpod.io/datacenter-ids", `"EU-RO-1"`, "outside this node's allowed data centers (US-TX-3)"}},
		{name: "two-containers", extra: "    - name: sidecar\n      image: busybox\n",
			reason: podsync.EventRefused,
			want:   []string{`container "sidecar"`, "2 containers found", "runpod.io/drop-containers"}},
		{name: "udp-port", extra: "      ports:\n        - containerPort: 5353\n          protocol: UDP\n",
			reason: podsync.EventRefused,
			want:   []string{"port 5353/UDP", "TCP ports only"}},
		{name: "bad-memory", annotations: map[string]string{"runpod.io/required-gpu-memory": "lots"},
			reason: podsync.EventRefused,
			want:   []string{"annotation runpod.io/required-gpu-memory", `"lots" is not a whole number of GB`}},
		{name: "cuda-on-cpu", cpu: true, annotations: map[string]string{"runpod.io/min-cuda-version": "12.4"},
			reason: podsync.EventRefused,
			want:   []string{"annotation runpod.io/min-cuda-version", "requests no nvidia.com/gpu"}},
		{name: "too-large", extra: "      env:\n        - name: BIG\n          value: " + strings.Repeat("x", 110_000) + "\n",
			reason: podsync.EventRefused,
			want:   []string{"RunPod create request would be about", "over RunPod's 102400-byte request limit"}},
		{name: "foreign-volume", annotations: map[string]string{"runpod.io/network-volume-id": "vol-of-team-b",
			"runpod.io/datacenter-ids": "US-TX-3"},
			reason: podsync.EventRefused,
			want:   []string{"annotation runpod.io/network-volume-id", `"vol-of-team-b"`, "ALLOWED_NETWORK_VOLUME_IDS"}},
	}
	needCatalog := []refusalCase{
		{name: "gpu-typo", annotations: map[string]string{"runpod.io/gpu-type-ids": "RTX 4900"},
			reason: podsync.EventRefused,
			want:   []string{"annotation runpod.io/gpu-type-ids", `"RTX 4900" matches no GPU type`, "did you mean RTX 4090"}},
		{name: "price-cap", annotations: map[string]string{"runpod.io/max-price": "0.01"},
			reason: podsync.EventNoCapacity,
			want:   []string{"$0.01/h per-GPU cap", "annotation runpod.io/max-price", "cheapest is $0.27/h"}},
	}

	// Phase 1: only pods refused for their own content exist → no RunPod call
	// but the reconcile round's list.
	refusalApply(e, refusals)
	admissionApply(e)
	refusalCheck(e, refusals)
	admissionCheck(e)
	time.Sleep(6 * time.Second) // three reconcile rounds: a refusal is final, not retried
	refusalCheck(e, refusals)
	c := e.sim.Counters()
	if c["POST /v2/pods"] != 0 || c["GET /v2/catalog/gpus"] != 0 || c["GET /v2/catalog/cpus"] != 0 || c["GET /v2/catalog/datacenters"] != 0 {
		t.Errorf("refused pods made RunPod calls: %v", c)
	}
	if len(e.runpodPods()) != 0 {
		t.Errorf("RunPod has pods: %+v", e.runpodPods())
	}

	// Phase 2: valid pods nothing in the catalog fits → catalog reads, no create.
	refusalApply(e, needCatalog)
	refusalCheck(e, needCatalog)
	time.Sleep(6 * time.Second) // past the first 5 s back-off: retried, still waiting
	refusalCheck(e, append(refusals, needCatalog...))
	c = e.sim.Counters()
	if c["POST /v2/pods"] != 0 || c["GET /v2/catalog/gpus"] == 0 || len(e.runpodPods()) != 0 {
		t.Errorf("want catalog reads and no create: counters %v, RunPod pods %+v", c, e.runpodPods())
	}
}

func refusalApply(e *env, cases []refusalCase) {
	e.t.Helper()
	for _, rc := range cases {
		gpus := 1
		if rc.cpu {
			gpus = 0
		}
		e.apply(gpuPod(rc.name, gpus, rc.annotations, rc.extra))
	}
}

// refusalCheck waits for each case's Warning and checks the pod is held Pending
// with that reason and has no RunPod pod.
func refusalCheck(e *env, cases []refusalCase) {
	e.t.Helper()
	for _, rc := range cases {
		line := e.plWaitEvent(rc.name, corev1.EventTypeWarning, rc.reason, 30*time.Second, rc.want...)
		e.t.Logf("%s: %s", rc.name, line)
		p := e.waitPod(rc.name, 10*time.Second, "held back", func(p *corev1.Pod) bool { return p.Status.Reason == rc.reason })
		if p.Spec.NodeName != nodeName {
			e.t.Errorf("%s: scheduled to %q, want the virtual node", rc.name, p.Spec.NodeName)
		}
		e.plPending(rc.name, rc.reason)
		if e.plHasEvent(rc.name, podsync.EventPlanned) || e.plHasEvent(rc.name, podsync.EventCreated) {
			e.t.Errorf("%s: planned or created despite the refusal:\n%s", rc.name, e.events(rc.name))
		}
	}
}

// admissionApply creates the two pods the node must not run: one bound by
// spec.nodeName without the toleration (it bypasses the scheduler), one of a
// namespace the node does not serve.
func admissionApply(e *env) {
	e.t.Helper()
	e.apply(`apiVersion: v1
kind: Pod
metadata:
  name: untolerated
spec:
  nodeName: ` + nodeName + `
  restartPolicy: Never
  containers:
    - name: main
      image: busybox:1.36
`)
	e.apply(strings.Replace(haCPUPod("outsider"), "  name: outsider\n", "  name: outsider\n  namespace: outsiders\n", 1))
}

// admissionCheck: both end Failed with the kubelet's reason and a Warning, and no RunPod pod.
func admissionCheck(e *env) {
	e.t.Helper()
	for _, c := range []struct{ namespace, name, reason, want string }{
		{ns, "untolerated", "UntoleratedTaint", "taint {virtual-kubelet.io/provider: runpod}"},
		{"outsiders", "outsider", "NamespaceNotAllowed", `runs pods of the namespaces default only`},
	} {
		var p *corev1.Pod
		e.eventually(30*time.Second, c.name+" Failed at admission", func() (bool, string) {
			var err error
			p, err = e.kube.CoreV1().Pods(c.namespace).Get(context.Background(), c.name, metav1.GetOptions{})
			if err != nil {
				return false, err.Error()
			}
			return p.Status.Phase == corev1.PodFailed, string(p.Status.Phase) + " " + p.Status.Reason
		})
		if p.Status.Reason != c.reason || !strings.Contains(p.Status.Message, c.want) || !strings.HasPrefix(p.Status.Message, "Pod was rejected: ") {
			e.t.Errorf("%s: reason %q message %q, want %s and %q", c.name, p.Status.Reason, p.Status.Message, c.reason, c.want)
		}
		evs, err := e.kube.CoreV1().Events(c.namespace).List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=" + c.name})
		if err != nil {
			e.t.Fatal(err)
		}
		warned := false
		for _, ev := range evs.Items {
			warned = warned || (ev.Type == corev1.EventTypeWarning && ev.Reason == c.reason)
		}
		if !warned {
			e.t.Errorf("%s: no Warning %s Event", c.name, c.reason)
		}
		if rp := e.plRunPodOf(p); rp != nil {
			e.t.Errorf("%s has a RunPod pod %s", c.name, rp.ID)
		}
	}
}
