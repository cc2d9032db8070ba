package podsync

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"time"

	"k8s.io/utils/clock"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	corev1listers "k8s.io/client-go/listers/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// lossyTransport plays the network between the provider and RunPod: it can
// drop the answer of a POST /v2/pods after the simulator made the pod (a
// connection reset after the request was sent), hold that answer back, and
// fail every GET /v2/pods.
type lossyTransport struct {
	base http.RoundTripper
	r    *rig
}

func (l *lossyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	l.r.probeUnlocked("RunPod " + req.Method + " " + req.URL.Path)
	list := req.Method == http.MethodGet && req.URL.Path == "/v2/pods"
	if list && l.r.failLists.Load() {
		return nil, fmt.Errorf("list pods: %w", syscall.ECONNRESET)
	}
	resp, err := l.base.RoundTrip(req)
	if err != nil || req.Method != http.MethodPost || req.URL.Path != "/v2/pods" {
		return resp, err
	}
	if d := time.Duration(l.r.slowCreates.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-req.Context().Done():
			_ = resp.Body.Close()
			return nil, req.Context().Err()
		}
	}
	for n := l.r.loseCreates.Load(); n > 0; n = l.r.loseCreates.Load() {
		if l.r.loseCreates.CompareAndSwap(n, n-1) {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			return nil, fmt.Errorf("read answer of POST /v2/pods: %w", syscall.ECONNRESET)
		}
	}
	return resp, nil
}

// seedFor makes, behind the provider's back, the RunPod pod the policy would
// create for pod on (cluster, node): its deterministic name and ownership env,
// as if a create had succeeded just before a crash.
func (r *rig) seedFor(pod *corev1.Pod, cluster, node string) runpodapi.Pod {
	r.t.Helper()
	settings := r.settings.NodeSettings
	settings.ClusterID, settings.NodeName = cluster, node
	in := policy.Input{Pod: pod, Node: settings}
	demand, err := policy.Prepare(in)
	if err != nil {
		r.t.Fatalf("plan %s: %v", pod.Name, err)
	}
	gpus, cpus, err := newCatalogCache(r.client, 0, clock.RealClock{}).get(context.Background(), demand.Query)
	if err != nil {
		r.t.Fatal(err)
	}
	plan, err := demand.Rank(gpus, cpus)
	if err != nil {
		r.t.Fatalf("plan %s: %v", pod.Name, err)
	}
	rp, err := r.sim.Seed(plan.Candidates[0].Request)
	if err != nil {
		r.t.Fatal(err)
	}
	return rp
}

// withPodID is pod with runpod.io/pod-id recorded, as a create that finished
// its annotation patch leaves it.
func withPodID(pod *corev1.Pod, id string) *corev1.Pod {
	out := pod.DeepCopy()
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	out.Annotations[AnnotationPodID] = id
	return out
}

// count is the number of requests the simulator received on route.
func (r *rig) count(route string) int64 { return r.sim.Counters()[route] }

const (
	routeList   = "GET /v2/pods"
	routeCreate = "POST /v2/pods"
	routeDelete = "DELETE /v2/pods/{id}"
	routeAction = "POST /v2/pods/{id}/action"
)

// waitingReason is the app container's waiting reason in the last pushed status.
func (r *rig) waitingReason(name string) string {
	st, _ := r.status(name)
	for _, cs := range st.ContainerStatuses {
		if cs.State.Waiting != nil {
			return cs.State.Waiting.Reason
		}
	}
	return ""
}

// sawEvent drains the recorder and reports whether an event of reason was
// recorded (mentioning every one of words).
func (r *rig) sawEvent(reason string, words ...string) bool {
	for _, e := range r.events() {
		if !strings.Contains(e, " "+reason+" ") {
			continue
		}
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(e, w)
		}
		if ok {
			return true
		}
	}
	return false
}

// rounds runs n reconcile rounds.
func (r *rig) rounds(n int) {
	for range n {
		r.p.Round(r.ctx)
	}
}

func (r *rig) deleteKubePod(name string) {
	r.t.Helper()
	if err := r.kube.CoreV1().Pods("default").Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		r.t.Fatal(err)
	}
}

// emptyPodLister is an informer that has not caught up: it has no pods.
type emptyPodLister struct{}

func (emptyPodLister) List(labels.Selector) ([]*corev1.Pod, error)  { return nil, nil }
func (emptyPodLister) Pods(string) corev1listers.PodNamespaceLister { return emptyPodLister{} }
func (emptyPodLister) Get(name string) (*corev1.Pod, error) {
	return nil, apierrors.NewNotFound(corev1.Resource("pods"), name)
}

var everything = labels.Everything()
