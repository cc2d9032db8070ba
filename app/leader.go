package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// elector runs fn only while this replica holds the Lease
// runpod-kubelet-<node> in NAMESPACE. On shutdown it stops fn first and then
// releases the Lease, so a standby takes over at once and never overlaps.
type elector struct {
	cfg     *Config
	kube    kubernetes.Interface
	log     *slog.Logger
	metrics *Metrics

	mu       sync.Mutex
	stopTerm context.CancelFunc
	termDone chan struct{}
	stopping bool // stop was called: a term ending now is a shutdown, not a loss
}

// run blocks until ctx ends or leadership is lost; lost is called when a
// term ends for any reason other than ctx.
func (e *elector) run(ctx context.Context, fn func(context.Context) error, lost func()) {
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Name: "runpod-kubelet-" + e.cfg.NodeName, Namespace: e.cfg.Namespace},
		Client:     e.kube.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: e.cfg.PodName},
	}
	leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
		Lock:            lock,
		Name:            lock.LeaseMeta.Name,
		LeaseDuration:   e.cfg.LeaseDuration,
		RenewDeadline:   e.cfg.RenewDeadline,
		RetryPeriod:     e.cfg.RetryPeriod,
		ReleaseOnCancel: true,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(lctx context.Context) {
				e.log.Info("became leader; starting controllers", "identity", e.cfg.PodName)
				e.metrics.setLeader(true)
				e.lead(lctx, fn, lost)
			},
			OnStoppedLeading: func() {
				e.metrics.setLeader(false)
				e.log.Info("not leading", "identity", e.cfg.PodName)
				if ctx.Err() == nil {
					lost() // lost the Lease while running: exit, Kubernetes restarts us
				}
			},
			OnNewLeader: func(id string) {
				if id != e.cfg.PodName {
					e.log.Info("standing by", "leader", id)
				}
			},
		},
	})
}

func (e *elector) lead(ctx context.Context, fn func(context.Context) error, lost func()) {
	tctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	e.mu.Lock()
	e.stopTerm, e.termDone = cancel, done
	e.mu.Unlock()
	defer close(done)
	if err := fn(tctx); err != nil {
		e.log.Error("leadership term ended with an error", "err", err)
	}
	e.mu.Lock()
	stopping := e.stopping
	e.mu.Unlock()
	if ctx.Err() == nil && !stopping {
		lost()
	}
}

// stop ends the current term and waits for its controllers to stop, so
// the Lease is released only after they have.
func (e *elector) stop(timeout time.Duration) {
	e.mu.Lock()
	cancel, done := e.stopTerm, e.termDone
	e.stopping = true
	e.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	select {
	case <-done:
	case <-time.After(timeout):
		e.log.Warn("controllers did not stop in time; releasing the Lease anyway", "timeout", timeout)
	}
}
