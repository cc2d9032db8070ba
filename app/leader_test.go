package app

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
)

func electionConfig() *Config {
	return &Config{NodeName: "virtual-runpod", Namespace: "kube-system", PodName: "replica-a",
		LeaseDuration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 200 * time.Millisecond}
}

// TestElectorStopIsNotALoss: a term ended by stop (SIGTERM) must not count as
// losing the Lease, which would exit the process with an error code.
func TestElectorStopIsNotALoss(t *testing.T) {
	kube := fake.NewClientset()
	el := &elector{cfg: electionConfig(), kube: kube, log: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: newMetrics(), clock: clocktesting.NewFakePassiveClock(time.Unix(0, 0)), stopTimeout: 5 * time.Second}
	var lost, started atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		el.run(ctx, func(tctx context.Context, _ podsync.Handover) error {
			started.Add(1)
			<-tctx.Done()
			return nil
		}, func() { lost.Add(1) })
	}()
	deadline := time.Now().Add(5 * time.Second)
	for started.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("never became leader")
		}
		time.Sleep(20 * time.Millisecond)
	}
	el.stop()
	cancel()
	<-done
	if n := lost.Load(); n != 0 {
		t.Fatalf("lost called %d times on a clean stop", n)
	}
	lease, err := kube.CoordinationV1().Leases(LeaseNamespace).Get(context.Background(), "runpod-kubelet-virtual-runpod", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := lease.Spec.HolderIdentity; h != nil && *h != "" {
		t.Errorf("Lease still held by %q after stop; it must be released for a fast handover", *h)
	}
}

// TestElectorTermErrorIsALoss: controllers that stop on their own end the process.
func TestElectorTermErrorIsALoss(t *testing.T) {
	el := &elector{cfg: electionConfig(), kube: fake.NewClientset(), log: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: newMetrics(), clock: clocktesting.NewFakePassiveClock(time.Unix(0, 0))}
	lost := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go el.run(ctx, func(context.Context, podsync.Handover) error { return context.DeadlineExceeded }, func() {
		select {
		case lost <- struct{}{}:
		default:
		}
	})
	select {
	case <-lost:
	case <-time.After(5 * time.Second):
		t.Fatal("a term that ends by itself must be reported as lost")
	}
}

// lease is a Lease held by holder, renewed renewedAgo ago, for 1 s
// (client-go counts a lease's duration from when it first sees it).
func lease(namespace, holder string, renewedAgo time.Duration) *coordinationv1.Lease {
	renewed := metav1.NewMicroTime(time.Now().Add(-renewedAgo))
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "runpod-kubelet-virtual-runpod", Namespace: namespace},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: new(int32(1)), RenewTime: &renewed, AcquireTime: &renewed},
	}
}

// TestElectorHandover: the term learns how the Lease was won — clean when
// it was new or released, a takeover (with the previous holder) when it
// expired under someone — and waits while an older version still leads
// through the Lease in NAMESPACE.
func TestElectorHandover(t *testing.T) {
	tests := []struct {
		name        string
		existing    []*coordinationv1.Lease
		clean       bool
		from        string
		waitsLegacy bool
	}{
		{name: "new Lease", clean: true},
		{name: "released", existing: []*coordinationv1.Lease{lease(LeaseNamespace, "", time.Second)}, clean: true},
		{name: "expired under another replica", existing: []*coordinationv1.Lease{lease(LeaseNamespace, "kube-system/replica-x", time.Minute)},
			from: "kube-system/replica-x"},
		{name: "an older version still leads", existing: []*coordinationv1.Lease{legacy("replica-old")},
			clean: true, waitsLegacy: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kube := fake.NewClientset()
			for _, l := range tt.existing {
				if _, err := kube.CoordinationV1().Leases(l.Namespace).Create(context.Background(), l, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			el := &elector{cfg: electionConfig(), kube: kube, log: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: newMetrics(), clock: clocktesting.NewFakePassiveClock(time.Unix(0, 0)), stopTimeout: time.Second}
			got := make(chan podsync.Handover, 1)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go el.run(ctx, func(tctx context.Context, h podsync.Handover) error {
				got <- h
				<-tctx.Done()
				return nil
			}, func() {})
			if tt.waitsLegacy {
				select {
				case h := <-got:
					t.Fatalf("started (%+v) while an older version holds the Lease in NAMESPACE", h)
				case <-time.After(time.Second):
				}
				if err := kube.CoordinationV1().Leases("kube-system").Delete(context.Background(), "runpod-kubelet-virtual-runpod", metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case h := <-got:
				if h.Clean != tt.clean || h.From != tt.from || h.At.IsZero() {
					t.Errorf("handover %+v, want clean %v from %q", h, tt.clean, tt.from)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("never became leader")
			}
		})
	}
}

// legacy is an older version's Lease in NAMESPACE, held and fresh.
func legacy(holder string) *coordinationv1.Lease {
	l := lease("kube-system", holder, 0)
	l.Spec.LeaseDurationSeconds = new(int32(60))
	return l
}
