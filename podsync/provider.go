package podsync

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
)

// Deps are what a Provider is built from.
type Deps struct {
	Settings Settings
	RunPod   RunPod
	Kube     kubernetes.Interface
	Recorder record.EventRecorder
	Health   HealthReporter
	Log      *slog.Logger
	Clock    clock.WithTicker // default the real clock
	Metrics  Observer         // optional
	// Handover is how this term's Lease was won; a takeover from a live
	// leader holds back creates of the pods it may have been creating.
	Handover Handover
}

// Provider runs Kubernetes pods as RunPod pods for one leadership term. A new
// term builds a new Provider: its tracker is a cache, rebuilt by Rebuild.
type Provider struct {
	s        Settings
	owner    policy.Owner // which listed RunPod pods are this node's
	rp       RunPod
	kube     kubernetes.Interface
	recorder record.EventRecorder
	health   HealthReporter
	metrics  Observer
	log      *slog.Logger
	clock    clock.WithTicker

	tr       *tracker
	catalog  *catalogCache
	images   *imageConfigs
	acct     *accountObjects
	usage    *usageMeter
	ssh      *sshIdentity
	hostKeys *hostKeys
	q        *queues
	cad      *cadence    // when the next status read runs; only Run (and its walk reader, whileWalking) touches it
	starts   *provisioning
	kicked   atomic.Bool // something changed that a listing will show
	deciding sync.Mutex  // held from deciding to applying, so decisions from concurrent reads reach Kubernetes in order

	mu         sync.Mutex
	pods       corev1listers.PodLister // this node's pods, from virtual-kubelet's informer
	services   corev1listers.ServiceLister
	configMaps corev1listers.ConfigMapLister
	secrets    corev1listers.SecretLister
	notify     func(*corev1.Pod)
	lastList   *listing        // the latest successful RunPod list of this term
	failing    bool            // the latest round's list failed
	termCtx    context.Context // the leadership term (Start)

	handover *handover
	posts    postGate // create POSTs in flight; none may start once the term ends

	suspectSince time.Time // first of an unbroken run of suspect listings; guarded by the tracker lock
}

// New builds a Provider. Attach the listers and call Rebuild before the
// pod controller starts.
func New(d Deps) *Provider {
	if d.Clock == nil {
		d.Clock = clock.RealClock{}
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Metrics == nil {
		d.Metrics = nopObserver{}
	}
	s := d.Settings.withDefaults()
	return &Provider{
		s: s, rp: d.RunPod, kube: d.Kube, recorder: d.Recorder, health: d.Health, metrics: d.Metrics, log: d.Log, clock: d.Clock,
		owner:    policy.NewOwner(s.ClusterID, s.NodeName),
		tr:       newTracker(),
		catalog:  newCatalogCache(d.RunPod, s.CatalogTTL, d.Clock),
		images:   newImageConfigs(d.Clock),
		acct:     newAccountObjects(policy.OwnedNamePrefix(s.ClusterID, s.NodeName)),
		usage:    newUsageMeter(),
		ssh:      &sshIdentity{},
		hostKeys: &hostKeys{},
		q:        newQueues(s, d.Clock),
		cad:      newCadence(s.StatusShare),
		starts:   newProvisioning(),
		notify:   func(*corev1.Pod) {},
		termCtx:  context.Background(),
		handover: newHandover(d.Handover, s.CreateBound),
	}
}

// Listers are the caches virtual-kubelet builds for the node.
type Listers struct {
	Pods       corev1listers.PodLister       // this node's pods
	Services   corev1listers.ServiceLister   // for service-link env detection
	ConfigMaps corev1listers.ConfigMapLister // for configMap volumes
	Secrets    corev1listers.SecretLister    // for secret volumes and imagePullSecrets
}

// Attach gives the provider the listers virtual-kubelet builds for the node.
func (p *Provider) Attach(l Listers) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pods, p.services, p.configMaps, p.secrets = l.Pods, l.Services, l.ConfigMaps, l.Secrets
}

// NotifyPods registers virtual-kubelet's status callback (PodNotifier).
func (p *Provider) NotifyPods(_ context.Context, cb func(*corev1.Pod)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notify = cb
}

// now is the term's clock.
func (p *Provider) now() time.Time { return p.clock.Now() }

// CreatePod accepts the pod and places it in the background. It never fails
// for reasons RunPod may fix later: an error here would mark a
// restartPolicy: Never pod Failed for good. Progress shows in the status.
func (p *Provider) CreatePod(_ context.Context, pod *corev1.Pod) error {
	key := podKey(pod)
	start := false
	var push *corev1.Pod
	var rejected *policy.Rejection
	p.tr.with(func(m map[string]*tracked) {
		t, ok := m[key]
		if ok && t.uid() == pod.UID {
			t.pod = keepPod(pod)
			return // adopted at term start, or already in progress
		}
		if ok {
			p.forget(t) // a new pod of the same name
		}
		t = &tracked{pod: keepPod(pod)}
		if r := policy.Admit(pod, p.s.Admission); r != nil {
			t.rejected, t.terminal = r, true
		}
		m[key] = t
		push = p.statusUpdate(t, pod, true)
		rejected, start = t.rejected, t.rejected == nil
	})
	if rejected != nil {
		p.event(pod, corev1.EventTypeWarning, rejected.Reason, "%s", rejected.Message)
		p.log.Info("pod rejected at admission", "pod", key, "reason", rejected.Reason, "message", rejected.Message)
		p.metrics.Count(OpRefuse)
	}
	if push != nil {
		p.push(push)
	}
	if id := ReadState(pod.Annotations).RunPodID; start && id != "" {
		// Not seen at the term's start, so not ours: copied or forged.
		p.forgedEvent(pod, id, nil)
	}
	if start {
		p.startCreate(key)
	}
	return nil
}

// UpdatePod records the new pod. A changed image is applied (update.go); a
// pod refused for its annotations is planned again when they change.
func (p *Provider) UpdatePod(_ context.Context, pod *corev1.Pod) error {
	key := podKey(pod)
	retry, update := false, false
	p.tr.get(key, func(t *tracked) {
		if t.uid() != pod.UID {
			return
		}
		changed := !maps.Equal(t.pod.Annotations, pod.Annotations)
		t.pod = keepPod(pod)
		if changed && t.waiting != nil && t.waiting.Reason == ReasonRefused && t.runpodID == "" {
			t.waiting = nil
			retry = true
		}
		update = imageChanged(t, pod)
	})
	if retry {
		p.startCreate(key)
	}
	if update {
		p.q.updates.Add(key)
	}
	return nil
}

// GetPod returns the tracked pod with its last pushed status.
func (p *Provider) GetPod(_ context.Context, namespace, name string) (*corev1.Pod, error) {
	var out *corev1.Pod
	p.tr.get(keyOf(namespace, name), func(t *tracked) { out = t.podCopy() })
	if out == nil {
		return nil, errdefs.NotFoundf("pod %s/%s is not tracked by runpod-kubelet", namespace, name)
	}
	return out, nil
}

// GetPodStatus returns the last pushed status of a tracked pod.
func (p *Provider) GetPodStatus(ctx context.Context, namespace, name string) (*corev1.PodStatus, error) {
	pod, err := p.GetPod(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	return &pod.Status, nil
}

// GetPods returns every tracked pod: only this node's pods of this cluster,
// since virtual-kubelet deletes any provider pod it cannot match at start.
// It also serves the kubelet API's /runningpods/, so the env that
// virtual-kubelet resolved (Secret values among it) is left out.
func (p *Provider) GetPods(context.Context) ([]*corev1.Pod, error) {
	var out []*corev1.Pod
	p.tr.with(func(m map[string]*tracked) {
		out = make([]*corev1.Pod, 0, len(m))
		for _, t := range m {
			out = append(out, withoutEnv(t.podCopy()))
		}
	})
	return out, nil
}

// withoutEnv drops every container's env and envFrom from pod (a copy).
func withoutEnv(pod *corev1.Pod) *corev1.Pod {
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			cs[i].Env, cs[i].EnvFrom = nil, nil
		}
	}
	for i := range pod.Spec.EphemeralContainers {
		pod.Spec.EphemeralContainers[i].Env, pod.Spec.EphemeralContainers[i].EnvFrom = nil, nil
	}
	return pod
}

// forget stops a tracked pod's create worker; the caller holds the tracker lock.
func (p *Provider) forget(t *tracked) {
	if t.cancel != nil {
		t.cancel()
	}
}
