package app

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func electionConfig() *Config {
	return &Config{NodeName: "virtual-runpod", Namespace: "kube-system", PodName: "replica-a",
		LeaseDuration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 200 * time.Millisecond}
}

// TestElectorStopIsNotALoss: a term ended by stop (SIGTERM) must not count as
// losing the Lease, which would exit the process with an error code.
func TestElectorStopIsNotALoss(t *testing.T) {
	kube := fake.NewClientset()
	el := &elector{cfg: electionConfig(), kube: kube, log: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: newMetrics()}
	var lost, started atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		el.run(ctx, func(tctx context.Context) error {
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
	el.stop(5 * time.Second)
	cancel()
	<-done
	if n := lost.Load(); n != 0 {
		t.Fatalf("lost called %d times on a clean stop", n)
	}
	lease, err := kube.CoordinationV1().Leases("kube-system").Get(context.Background(), "runpod-kubelet-virtual-runpod", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := lease.Spec.HolderIdentity; h != nil && *h != "" {
		t.Errorf("Lease still held by %q after stop; it must be released for a fast handover", *h)
	}
}

// TestElectorTermErrorIsALoss: controllers that stop on their own end the process.
func TestElectorTermErrorIsALoss(t *testing.T) {
	el := &elector{cfg: electionConfig(), kube: fake.NewClientset(), log: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: newMetrics()}
	lost := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go el.run(ctx, func(context.Context) error { return context.DeadlineExceeded }, func() {
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
