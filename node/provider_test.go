package node

import (
	"context"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// tickingClock advances one second per reading.
type tickingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func (c *tickingClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

func newTestProvider(t *testing.T) *Provider {
	t.Helper()
	clock := &tickingClock{t: t0.Time}
	return NewProvider(newTestNode(t), 10, clock)
}

// collect starts p's pushes into a channel.
func collect(t *testing.T, p *Provider) <-chan *corev1.Node {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pushed := make(chan *corev1.Node, 100)
	p.NotifyNodeStatus(ctx, func(n *corev1.Node) { pushed <- n })
	return pushed
}

func next(t *testing.T, pushed <-chan *corev1.Node) *corev1.Node {
	t.Helper()
	select {
	case n := <-pushed:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no node pushed")
		return nil
	}
}

func none(t *testing.T, pushed <-chan *corev1.Node) {
	t.Helper()
	select {
	case n := <-pushed:
		t.Fatalf("unexpected push: %v", n.Status.Conditions)
	case <-time.After(100 * time.Millisecond):
	}
}

var outage = Health{LastError: "runpod list pods: 503 Service Unavailable", Failures: 3}

func TestProviderPingIgnoresRunPodOutage(t *testing.T) {
	p := newTestProvider(t)
	p.Report(outage, Spend{})
	if err := p.Ping(context.Background()); err != nil {
		t.Errorf("Ping during a RunPod outage = %v, want nil", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Ping(ctx); err == nil {
		t.Error("Ping with a done ctx = nil, want its error")
	}
}

func TestProviderPushesChanges(t *testing.T) {
	p := newTestProvider(t)
	pushed := collect(t, p)
	if n := next(t, pushed); condition(t, n, ConditionRunPodAPIReachable).Status != corev1.ConditionUnknown {
		t.Errorf("first push should be the registered node")
	}

	p.Report(outage, Spend{HourlyUSD: 2.07, Pods: 3})
	n := next(t, pushed)
	if c := condition(t, n, ConditionRunPodAPIReachable); c.Status != corev1.ConditionFalse || c.Reason != ReasonRunPodAPIUnreachable {
		t.Errorf("reachable = %s/%s", c.Status, c.Reason)
	}
	if n.Annotations[AnnotationHourlySpend] != "2.07" || n.Annotations[AnnotationPodCount] != "3" {
		t.Errorf("annotations = %v", n.Annotations)
	}
	if c := condition(t, n, corev1.NodeReady); c.Status != corev1.ConditionTrue {
		t.Errorf("Ready = %s during an outage", c.Status)
	}

	// The same verdicts a second later: nothing to push.
	p.Report(outage, Spend{HourlyUSD: 2.07, Pods: 3})
	none(t, pushed)

	p.Report(Health{Reachable: true}, Spend{HourlyUSD: 2.76, Pods: 4})
	n = next(t, pushed)
	if c := condition(t, n, ConditionRunPodAPIReachable); c.Status != corev1.ConditionTrue {
		t.Errorf("reachable = %s after recovery", c.Status)
	}
	if n.Annotations[AnnotationPodCount] != "4" {
		t.Errorf("annotations = %v", n.Annotations)
	}

	// Pushes are copies.
	n.Annotations[AnnotationPodCount] = "changed"
	if got := p.Node().Annotations[AnnotationPodCount]; got != "4" {
		t.Errorf("provider's node changed through a pushed copy: %q", got)
	}
}

func TestProviderReportBeforeNotify(t *testing.T) {
	p := newTestProvider(t)
	p.Report(outage, Spend{HourlyUSD: 1, Pods: 1})
	pushed := collect(t, p)
	n := next(t, pushed)
	if c := condition(t, n, ConditionRunPodAPIReachable); c.Status != corev1.ConditionFalse {
		t.Errorf("reachable = %s, want the report made before NotifyNodeStatus", c.Status)
	}
	none(t, pushed)
}

func TestProviderReportHealthKeepsSpend(t *testing.T) {
	p := newTestProvider(t)
	p.ReportHealth(outage)
	n := p.Node()
	if c := condition(t, n, ConditionRunPodSpend); c.Status != corev1.ConditionUnknown {
		t.Errorf("spend = %s before any pod list, want Unknown", c.Status)
	}
	if _, ok := n.Annotations[AnnotationPodCount]; ok {
		t.Errorf("annotations = %v before any pod list", n.Annotations)
	}
	p.Report(Health{Reachable: true}, Spend{HourlyUSD: 3, Pods: 2})
	p.ReportHealth(outage)
	n = p.Node()
	if c := condition(t, n, ConditionRunPodSpend); c.Message != "2 RunPod pods, $3.00/h of $10.00/h cap" {
		t.Errorf("spend message = %q, want the last figures", c.Message)
	}
	if c := condition(t, n, ConditionRunPodAPIReachable); c.Status != corev1.ConditionFalse {
		t.Errorf("reachable = %s", c.Status)
	}
}

// Report must not wait for virtual-kubelet, whose callback blocks until its
// control loop takes the node.
func TestProviderReportDoesNotBlock(t *testing.T) {
	p := newTestProvider(t)
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer func() { close(release); cancel() }()
	p.NotifyNodeStatus(ctx, func(*corev1.Node) { <-release })

	done := make(chan struct{})
	go func() {
		for i := range 100 {
			p.Report(Health{Reachable: i%2 == 0}, Spend{Pods: i})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Report blocked on a stuck callback")
	}
}

func TestProviderConcurrentReports(t *testing.T) {
	p := newTestProvider(t)
	pushed := collect(t, p)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				p.Report(Health{Reachable: j%3 != 0, LastError: "x"}, Spend{HourlyUSD: float64(i), Pods: j})
				_ = p.Node()
			}
		})
	}
	wg.Wait()
	p.Report(Health{Reachable: true}, Spend{HourlyUSD: 9.5, Pods: 1000})
	deadline := time.After(5 * time.Second)
	for {
		select {
		case n := <-pushed:
			if n.Annotations[AnnotationPodCount] == "1000" {
				return
			}
		case <-deadline:
			t.Fatal("the last report was never pushed")
		}
	}
}
