package app

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/utils/clock"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
)

// LeaseNamespace holds the leader-election Lease of every install, beside
// the node heartbeat Leases: one place per node name, whatever namespace an
// install lives in, so two installs serving the same node never both lead.
const LeaseNamespace = "kube-node-lease"

// leaseName is the leader-election Lease of a node.
func leaseName(node string) string { return "runpod-kubelet-" + node }

// elector runs fn only while this replica holds the Lease
// kube-node-lease/runpod-kubelet-<node>. On shutdown it stops fn first — the
// term waits for its create POSTs in flight — and then releases the Lease,
// so a standby takes over at once, never overlaps, and never meets a create
// still in flight.
type elector struct {
	cfg     *Config
	kube    kubernetes.Interface
	log     *slog.Logger
	metrics *Metrics
	clock   clock.PassiveClock
	// stopTimeout bounds how long stop waits for the term (its creates
	// included) before the Lease is released anyway.
	stopTimeout time.Duration

	mu       sync.Mutex
	stopTerm context.CancelFunc
	termDone chan struct{}
	stopping bool // stop was called: a term ending now is a shutdown, not a loss
}

// identity is the leader identity, <NAMESPACE>/<POD_NAME>: the namespace
// tells another install's replicas from this one's.
func identity(cfg *Config) string { return cfg.Namespace + "/" + cfg.PodName }

// run blocks until ctx ends or leadership is lost; lost is called when a
// term ends for any reason other than ctx.
func (e *elector) run(ctx context.Context, fn func(context.Context, podsync.Handover) error, lost func()) {
	lock := &observedLock{clock: e.clock, Interface: &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Name: leaseName(e.cfg.NodeName), Namespace: LeaseNamespace},
		Client:     e.kube.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: identity(e.cfg)},
	}}
	leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
		Lock:            lock,
		Name:            leaseName(e.cfg.NodeName),
		LeaseDuration:   e.cfg.LeaseDuration,
		RenewDeadline:   e.cfg.RenewDeadline,
		RetryPeriod:     e.cfg.RetryPeriod,
		ReleaseOnCancel: true,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(lctx context.Context) {
				h := lock.handover()
				e.log.Info("became leader; starting controllers", "identity", identity(e.cfg), "cleanHandover", h.Clean, "from", h.From)
				if err := waitLegacyLease(lctx, e.kube, e.cfg, e.log); err != nil {
					return
				}
				e.metrics.setLeader(true)
				e.lead(lctx, h, fn, lost)
			},
			OnStoppedLeading: func() {
				e.metrics.setLeader(false)
				e.log.Info("not leading", "identity", identity(e.cfg))
				if ctx.Err() == nil {
					lost() // lost the Lease while running: exit, Kubernetes restarts us
				}
			},
			OnNewLeader: func(id string) {
				switch {
				case id == identity(e.cfg):
				case !strings.HasPrefix(id, e.cfg.Namespace+"/"):
					e.log.Warn("another installation leads this node: two installs serve the same node name; this one stands by until it stops",
						"node", e.cfg.NodeName, "leader", id, "lease", LeaseNamespace+"/"+leaseName(e.cfg.NodeName))
				default:
					e.log.Info("standing by", "leader", id)
				}
			},
		},
	})
}

func (e *elector) lead(ctx context.Context, h podsync.Handover, fn func(context.Context, podsync.Handover) error, lost func()) {
	tctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	e.mu.Lock()
	e.stopTerm, e.termDone = cancel, done
	e.mu.Unlock()
	defer close(done)
	if err := fn(tctx, h); err != nil {
		e.log.Error("leadership term ended with an error", "err", err)
	}
	e.mu.Lock()
	stopping := e.stopping
	e.mu.Unlock()
	if ctx.Err() == nil && !stopping {
		lost()
	}
}

// stop ends the current term and waits for its controllers (and its create
// POSTs in flight) to stop, so the Lease is released only after they have.
func (e *elector) stop() {
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
	case <-time.After(e.stopTimeout):
		e.log.Warn("controllers did not stop in time; releasing the Lease anyway", "timeout", e.stopTimeout)
	}
}

// observedLock is the Lease lock, watched: it remembers the record the
// Lease held just before this replica won it, to tell a clean hand-over
// (nobody held it, or the holder released it) from a takeover of a holder
// that may still have a create in flight.
type observedLock struct {
	resourcelock.Interface
	clock clock.PassiveClock

	mu       sync.Mutex
	last     *resourcelock.LeaderElectionRecord // the latest record read
	won      bool
	previous *resourcelock.LeaderElectionRecord // the record before the win; nil = the Lease was new
	wonAt    time.Time
}

func (l *observedLock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	rec, raw, err := l.Interface.Get(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		l.last = rec
	} else {
		l.last = nil
	}
	return rec, raw, err
}

func (l *observedLock) Create(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	err := l.Interface.Create(ctx, ler)
	l.noteWin(err, nil)
	return err
}

func (l *observedLock) Update(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	err := l.Interface.Update(ctx, ler)
	l.mu.Lock()
	prev := l.last
	l.mu.Unlock()
	l.noteWin(err, prev)
	return err
}

func (l *observedLock) noteWin(err error, prev *resourcelock.LeaderElectionRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil || l.won {
		return
	}
	l.won, l.previous, l.wonAt = true, prev, l.clock.Now()
}

// handover says how the Lease was won.
func (l *observedLock) handover() podsync.Handover {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := podsync.Handover{Clean: true, At: l.wonAt}
	if p := l.previous; p != nil && p.HolderIdentity != "" {
		h.Clean, h.From = false, p.HolderIdentity
	}
	return h
}

// waitLegacyLease keeps a new leader from running beside a replica of an
// older version, which elects in NAMESPACE/runpod-kubelet-<node>: while
// that Lease is held and fresh, it waits (a rolling upgrade releases it).
func waitLegacyLease(ctx context.Context, kube kubernetes.Interface, cfg *Config, log *slog.Logger) error {
	logged := false
	for {
		l, err := kube.CoordinationV1().Leases(cfg.Namespace).Get(ctx, leaseName(cfg.NodeName), metav1.GetOptions{})
		if err != nil || l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" || l.Spec.RenewTime == nil ||
			l.Spec.LeaseDurationSeconds == nil ||
			time.Since(l.Spec.RenewTime.Time) > time.Duration(*l.Spec.LeaseDurationSeconds)*time.Second {
			return nil // absent, unreadable, released or expired
		}
		if !logged {
			log.Warn("a replica of an older version still leads this node through the Lease in NAMESPACE; waiting for it to release it",
				"lease", cfg.Namespace+"/"+leaseName(cfg.NodeName), "holder", *l.Spec.HolderIdentity)
			logged = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(cfg.RetryPeriod):
		}
	}
}
