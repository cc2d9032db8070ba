package node

import (
	"context"
	"maps"
	"slices"
	"sync"

	vknode "github.com/virtual-kubelet/virtual-kubelet/node"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
)

var _ vknode.NodeProvider = (*Provider)(nil)

// Provider is virtual-kubelet's NodeProvider for the RunPod node. It holds the
// node as this process wants it; the reconcile loop reports into it and it
// pushes changes to the NodeController, which patches the API object.
type Provider struct {
	capUSD float64
	clock  clock.PassiveClock

	mu   sync.Mutex
	node *corev1.Node

	// dirty holds one token while a newer node waits to be pushed, so any
	// number of reports between two pushes costs one patch.
	dirty chan struct{}
}

// NewProvider starts from base (from NewObject). capUSD is MAX_HOURLY_SPEND
// (0 = no cap); clk is the clock for condition times (nil = the real clock).
func NewProvider(base *corev1.Node, capUSD float64, clk clock.PassiveClock) *Provider {
	if clk == nil {
		clk = clock.RealClock{}
	}
	return &Provider{
		capUSD: capUSD,
		clock:  clk,
		node:   base.DeepCopy(),
		dirty:  make(chan struct{}, 1),
	}
}

// Ping never reports RunPod trouble: a failing Ping stops the node Lease and
// status updates, Kubernetes then marks the node unreachable and evicts every
// pod, which deletes every RunPod pod. Outages show in RunPodAPIReachable.
func (p *Provider) Ping(ctx context.Context) error {
	return ctx.Err()
}

// NotifyNodeStatus starts the goroutine that hands cb the latest node after
// each change, until ctx is done. virtual-kubelet's cb blocks until its
// control loop takes the node, so it is never called from Report. One
// NodeController at a time: a new one must come after the old one's ctx ends.
func (p *Provider) NotifyNodeStatus(ctx context.Context, cb func(*corev1.Node)) {
	// The controller registers the node it was built with; reports made since
	// then must still reach it.
	p.signal()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-p.dirty:
			}
			cb(p.Node())
		}
	}()
}

// Report records one reconcile round: RunPod API health and the spend of
// every RunPod pod of this node. The node is pushed only when a condition's
// status, reason or message or an annotation changed: virtual-kubelet
// re-patches the status with fresh heartbeats on its own timer (and the Lease
// is the liveness signal), so unchanged rounds cost no API call.
func (p *Provider) Report(h Health, sp Spend) {
	p.update(func(n *corev1.Node, now metav1.Time) {
		ApplyConditions(n, h, sp, p.capUSD, now)
	})
}

// ReportHealth is Report for a round whose pod list failed: RunPodSpend and
// its annotations keep the last figures (or stay Unknown before the first).
func (p *Provider) ReportHealth(h Health) {
	p.update(func(n *corev1.Node, now metav1.Time) {
		applyKubeletConditions(n, now)
		applyReachability(n, h, now)
	})
}

// ReportListing records whether the latest RunPod listing can be believed.
func (p *Provider) ReportListing(trusted bool, reason, message string) {
	p.update(func(n *corev1.Node, now metav1.Time) {
		ApplyListing(n, trusted, reason, message, now)
	})
}

// Node is a copy of the node as this process wants it.
func (p *Provider) Node() *corev1.Node {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.node.DeepCopy()
}

func (p *Provider) update(apply func(*corev1.Node, metav1.Time)) {
	now := metav1.NewTime(p.clock.Now())
	p.mu.Lock()
	before := reported(p.node)
	apply(p.node, now)
	changed := !slices.Equal(before, reported(p.node))
	p.mu.Unlock()
	if changed {
		p.signal()
	}
}

func (p *Provider) signal() {
	select {
	case p.dirty <- struct{}{}:
	default: // a push is already pending; it will read the newest node
	}
}

// reported is what a push is for: condition verdicts and annotations, not
// heartbeat times.
func reported(n *corev1.Node) []string {
	var out []string
	for _, c := range n.Status.Conditions {
		out = append(out, string(c.Type)+"\x00"+string(c.Status)+"\x00"+c.Reason+"\x00"+c.Message)
	}
	for _, k := range slices.Sorted(maps.Keys(n.Annotations)) {
		out = append(out, k+"="+n.Annotations[k])
	}
	return out
}
