package node

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newTestNode(t *testing.T) *corev1.Node {
	t.Helper()
	n, err := NewObject(testSettings(), t0)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestApplyConditionsReachability(t *testing.T) {
	since := time.Date(2026, 3, 1, 11, 59, 0, 0, time.UTC)
	tests := []struct {
		name       string
		health     Health
		wantStatus corev1.ConditionStatus
		wantReason string
		wantMsg    string
	}{
		{"reachable", Health{Reachable: true}, corev1.ConditionTrue, ReasonRunPodAPIReachable, "the RunPod API answers"},
		{"reachable with a recent failure", Health{Reachable: true, LastError: "blip", Failures: 1},
			corev1.ConditionTrue, ReasonRunPodAPIReachable, "the RunPod API answers"},
		{"unreachable", Health{LastError: "runpod list pods: 503 Service Unavailable", Since: since, Failures: 3},
			corev1.ConditionFalse, ReasonRunPodAPIUnreachable,
			"RunPod API unreachable since 2026-03-01T11:59:00Z: runpod list pods: 503 Service Unavailable"},
		{"unreachable, no details", Health{}, corev1.ConditionFalse, ReasonRunPodAPIUnreachable, "RunPod API unreachable"},
		{"long error is cut", Health{LastError: strings.Repeat("x", 2000)}, corev1.ConditionFalse, ReasonRunPodAPIUnreachable,
			"RunPod API unreachable: " + strings.Repeat("x", maxErrorMessage) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t)
			ApplyConditions(n, tt.health, Spend{}, 10, t0)
			c := condition(t, n, ConditionRunPodAPIReachable)
			if c.Status != tt.wantStatus || c.Reason != tt.wantReason || c.Message != tt.wantMsg {
				t.Errorf("got %s/%s/%q, want %s/%s/%q", c.Status, c.Reason, c.Message, tt.wantStatus, tt.wantReason, tt.wantMsg)
			}
			if r := condition(t, n, corev1.NodeReady); r.Status != corev1.ConditionTrue || r.Reason != "KubeletReady" {
				t.Errorf("Ready = %s/%s, must stay True/KubeletReady", r.Status, r.Reason)
			}
		})
	}
}

func TestApplyConditionsSpend(t *testing.T) {
	tests := []struct {
		name         string
		spend        Spend
		capUSD       float64
		wantStatus   corev1.ConditionStatus
		wantReason   string
		wantMsg      string
		wantHourly   string
		wantPodCount string
	}{
		{"under cap", Spend{HourlyUSD: 2.07, Pods: 3}, 10, corev1.ConditionTrue, ReasonWithinSpendCap,
			"3 RunPod pods, $2.07/h of $10.00/h cap", "2.07", "3"},
		{"at cap", Spend{HourlyUSD: 10, Pods: 4}, 10, corev1.ConditionFalse, ReasonSpendCapReached,
			"4 RunPod pods, $10.00/h of $10.00/h cap", "10.00", "4"},
		{"at cap after rounding", Spend{HourlyUSD: 9.996, Pods: 4}, 10, corev1.ConditionFalse, ReasonSpendCapReached,
			"4 RunPod pods, $10.00/h of $10.00/h cap", "10.00", "4"},
		{"a cent under cap", Spend{HourlyUSD: 9.99, Pods: 4}, 10, corev1.ConditionTrue, ReasonWithinSpendCap,
			"4 RunPod pods, $9.99/h of $10.00/h cap", "9.99", "4"},
		{"over cap", Spend{HourlyUSD: 12.5, Pods: 5}, 10, corev1.ConditionFalse, ReasonSpendCapReached,
			"5 RunPod pods, $12.50/h of $10.00/h cap", "12.50", "5"},
		{"no cap", Spend{HourlyUSD: 123.456, Pods: 40}, 0, corev1.ConditionTrue, ReasonNoSpendCap,
			"40 RunPod pods, $123.46/h, no cap", "123.46", "40"},
		{"one pod", Spend{HourlyUSD: 0.69, Pods: 1}, 10, corev1.ConditionTrue, ReasonWithinSpendCap,
			"1 RunPod pod, $0.69/h of $10.00/h cap", "0.69", "1"},
		{"nothing running", Spend{}, 10, corev1.ConditionTrue, ReasonWithinSpendCap,
			"0 RunPod pods, $0.00/h of $10.00/h cap", "0.00", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNode(t)
			ApplyConditions(n, Health{Reachable: true}, tt.spend, tt.capUSD, t0)
			c := condition(t, n, ConditionRunPodSpend)
			if c.Status != tt.wantStatus || c.Reason != tt.wantReason || c.Message != tt.wantMsg {
				t.Errorf("got %s/%s/%q, want %s/%s/%q", c.Status, c.Reason, c.Message, tt.wantStatus, tt.wantReason, tt.wantMsg)
			}
			if got := n.Annotations[AnnotationHourlySpend]; got != tt.wantHourly {
				t.Errorf("%s = %q, want %q", AnnotationHourlySpend, got, tt.wantHourly)
			}
			if got := n.Annotations[AnnotationPodCount]; got != tt.wantPodCount {
				t.Errorf("%s = %q, want %q", AnnotationPodCount, got, tt.wantPodCount)
			}
			if r := condition(t, n, corev1.NodeReady); r.Status != corev1.ConditionTrue {
				t.Errorf("Ready = %s, the spend cap must never touch Ready", r.Status)
			}
		})
	}
}

// Reports over time: transition times move only with Status, heartbeats
// always move.
func TestApplyConditionsTimes(t *testing.T) {
	at := func(sec int) metav1.Time { return metav1.NewTime(t0.Add(time.Duration(sec) * time.Second)) }
	up := Health{Reachable: true}
	down := Health{LastError: "503"}
	steps := []struct {
		now            metav1.Time
		health         Health
		spend          Spend
		wantReachTrans metav1.Time
		wantSpendTrans metav1.Time
	}{
		// Unknown -> True is a transition.
		{at(10), up, Spend{HourlyUSD: 1, Pods: 1}, at(10), at(10)},
		// Same statuses, other figures: no transition.
		{at(20), up, Spend{HourlyUSD: 2, Pods: 2}, at(10), at(10)},
		{at(30), down, Spend{HourlyUSD: 2, Pods: 2}, at(30), at(10)},
		{at(40), Health{LastError: "timeout"}, Spend{HourlyUSD: 11, Pods: 5}, at(30), at(40)},
		{at(50), up, Spend{HourlyUSD: 12, Pods: 5}, at(50), at(40)},
	}
	n := newTestNode(t)
	for i, s := range steps {
		ApplyConditions(n, s.health, s.spend, 10, s.now)
		reach := condition(t, n, ConditionRunPodAPIReachable)
		spend := condition(t, n, ConditionRunPodSpend)
		if !reach.LastTransitionTime.Equal(&s.wantReachTrans) || !spend.LastTransitionTime.Equal(&s.wantSpendTrans) {
			t.Errorf("step %d: transitions reach=%v spend=%v, want %v %v", i,
				reach.LastTransitionTime, spend.LastTransitionTime, s.wantReachTrans, s.wantSpendTrans)
		}
		for _, c := range n.Status.Conditions {
			if !c.LastHeartbeatTime.Equal(&s.now) {
				t.Errorf("step %d: %s heartbeat %v, want %v", i, c.Type, c.LastHeartbeatTime, s.now)
			}
		}
		if r := condition(t, n, corev1.NodeReady); !r.LastTransitionTime.Equal(&t0) {
			t.Errorf("step %d: Ready transition moved to %v", i, r.LastTransitionTime)
		}
		if len(n.Status.Conditions) != 7 {
			t.Errorf("step %d: %d conditions, want 7", i, len(n.Status.Conditions))
		}
	}
}

func TestApplyConditionsKeepsOtherAnnotations(t *testing.T) {
	n := newTestNode(t)
	n.Annotations = map[string]string{"example.com/owner": "team-a"}
	ApplyConditions(n, Health{Reachable: true}, Spend{HourlyUSD: 1, Pods: 1}, 0, t0)
	if n.Annotations["example.com/owner"] != "team-a" || n.Annotations[AnnotationPodCount] != "1" {
		t.Errorf("annotations = %v", n.Annotations)
	}
}

func TestApplyListing(t *testing.T) {
	n := &corev1.Node{}
	t0, t1 := metav1.Unix(100, 0), metav1.Unix(200, 0)
	ApplyListing(n, true, "ListingComplete", "every page read", t0)
	ApplyListing(n, false, "ListingSuspect", "left out 3 of 3", t1)
	c := n.Status.Conditions
	if len(c) != 1 || c[0].Type != ConditionRunPodListing || c[0].Status != corev1.ConditionFalse ||
		c[0].Reason != "ListingSuspect" || !c[0].LastTransitionTime.Equal(&t1) {
		t.Errorf("conditions %+v", c)
	}
}
