package node

import (
	"context"
	"testing"
	"time"

	vknode "github.com/virtual-kubelet/virtual-kubelet/node"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// runController runs nc until the test ends and waits until it is ready.
func runController(t *testing.T, nc *vknode.NodeController) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	go nc.Run(ctx) //nolint:errcheck // read through nc.Err below
	t.Cleanup(func() {
		cancel()
		select {
		case <-nc.Done():
			if err := nc.Err(); err != nil {
				t.Errorf("node controller stopped with %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("node controller did not stop")
		}
	})
	select {
	case <-nc.Ready():
	case <-nc.Done():
		t.Fatalf("node controller exited: %v", nc.Err())
	case <-time.After(10 * time.Second):
		t.Fatal("node controller not ready")
	}
}

// eventually polls get until ok holds, failing after 10 s.
func eventually[T any](t *testing.T, what string, get func() (T, error), ok func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := get()
		if err == nil && ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened (last error %v, value %+v)", what, err, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func conditionOf(n *corev1.Node, typ corev1.NodeConditionType) (corev1.NodeCondition, bool) {
	for _, c := range n.Status.Conditions {
		if c.Type == typ {
			return c, true
		}
	}
	return corev1.NodeCondition{}, false
}

// The real NodeController against a fake clientset: registration, an outage
// reported through the Provider, and a Lease that keeps being renewed.
func TestControllerRegistersAndReportsOutage(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	p := NewProvider(newTestNode(t), 10, nil)
	leases := client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	nc, err := vknode.NewNodeController(p, p.Node(), client.CoreV1().Nodes(),
		vknode.WithNodeEnableLeaseV1WithRenewInterval(leases, vknode.DefaultLeaseDuration, 100*time.Millisecond),
		vknode.WithNodePingInterval(50*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	runController(t, nc)

	getNode := func() (*corev1.Node, error) { return client.CoreV1().Nodes().Get(ctx, "runpod", metav1.GetOptions{}) }
	n, err := getNode()
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Spec.Taints) != 1 || n.Spec.Taints[0].Key != TaintKey || n.Spec.Taints[0].Value != TaintValue ||
		n.Spec.Taints[0].Effect != corev1.TaintEffectNoSchedule {
		t.Errorf("taints = %v", n.Spec.Taints)
	}
	if n.Spec.ProviderID != "runpod://prod-eu/runpod" {
		t.Errorf("providerID = %q", n.Spec.ProviderID)
	}
	if n.Labels[LabelType] != TypeVirtualKubelet || n.Labels[LabelHostname] != "runpod" || n.Labels[LabelRole] != RoleAgent {
		t.Errorf("labels = %v", n.Labels)
	}
	if c, _ := conditionOf(n, corev1.NodeReady); c.Status != corev1.ConditionTrue {
		t.Errorf("Ready = %s at registration", c.Status)
	}

	getLease := func() (*coordinationv1.Lease, error) { return leases.Get(ctx, "runpod", metav1.GetOptions{}) }
	lease := eventually(t, "lease created in kube-node-lease", getLease,
		func(l *coordinationv1.Lease) bool { return l.Spec.RenewTime != nil })

	var tracker HealthTracker
	for range OutageFailures {
		tracker.Observe(err503, time.Now())
	}
	p.Report(tracker.Health(), Spend{HourlyUSD: 2.07, Pods: 3})

	n = eventually(t, "outage reaches the API object", getNode, func(n *corev1.Node) bool {
		c, _ := conditionOf(n, ConditionRunPodAPIReachable)
		return c.Status == corev1.ConditionFalse
	})
	if c, _ := conditionOf(n, ConditionRunPodAPIReachable); c.Reason != ReasonRunPodAPIUnreachable || c.Message == "" {
		t.Errorf("RunPodAPIReachable = %s/%q", c.Reason, c.Message)
	}
	if c, _ := conditionOf(n, ConditionRunPodSpend); c.Message != "3 RunPod pods, $2.07/h of $10.00/h cap" {
		t.Errorf("RunPodSpend message = %q", c.Message)
	}
	if n.Annotations[AnnotationHourlySpend] != "2.07" || n.Annotations[AnnotationPodCount] != "3" {
		t.Errorf("annotations = %v", n.Annotations)
	}
	if c, _ := conditionOf(n, corev1.NodeReady); c.Status != corev1.ConditionTrue {
		t.Errorf("Ready = %s during a RunPod outage", c.Status)
	}

	// The outage must not stop the Lease.
	renewed := lease.Spec.RenewTime.Time
	eventually(t, "lease renewed during the outage", getLease, func(l *coordinationv1.Lease) bool {
		return l.Spec.RenewTime != nil && l.Spec.RenewTime.After(renewed)
	})

	// Figures change: the annotations follow.
	p.Report(tracker.Health(), Spend{HourlyUSD: 0, Pods: 0})
	eventually(t, "annotations follow the spend", getNode, func(n *corev1.Node) bool {
		return n.Annotations[AnnotationPodCount] == "0" && n.Annotations[AnnotationHourlySpend] == "0.00"
	})
}

// A node that already exists keeps its spec (virtual-kubelet sends spec only
// on create) and its foreign labels, and gets our labels, status and
// annotations.
func TestControllerExistingNodeKeepsSpec(t *testing.T) {
	ctx := context.Background()
	existing := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:   "runpod",
		Labels: map[string]string{"example.com/team": "ml"},
	}}
	client := fake.NewClientset(existing)
	p := NewProvider(newTestNode(t), 10, nil)
	nc, err := NewController(p, client)
	if err != nil {
		t.Fatal(err)
	}
	runController(t, nc)
	p.Report(Health{Reachable: true}, Spend{HourlyUSD: 1.5, Pods: 2})

	getNode := func() (*corev1.Node, error) { return client.CoreV1().Nodes().Get(ctx, "runpod", metav1.GetOptions{}) }
	n := eventually(t, "report reaches the existing node", getNode, func(n *corev1.Node) bool {
		return n.Annotations[AnnotationPodCount] == "2"
	})
	if len(n.Spec.Taints) != 0 || n.Spec.ProviderID != "" {
		t.Errorf("spec changed on an existing node: %+v", n.Spec)
	}
	if n.Labels["example.com/team"] != "ml" || n.Labels[LabelType] != TypeVirtualKubelet {
		t.Errorf("labels = %v", n.Labels)
	}
	if c, _ := conditionOf(n, ConditionRunPodAPIReachable); c.Status != corev1.ConditionTrue {
		t.Errorf("RunPodAPIReachable = %s", c.Status)
	}
	if c, _ := conditionOf(n, corev1.NodeReady); c.Status != corev1.ConditionTrue {
		t.Errorf("Ready = %s", c.Status)
	}
}
