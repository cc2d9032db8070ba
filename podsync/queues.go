package podsync

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// The round decides; client-go workqueues do what leaves it, one queue per
// kind of work, each with the back-off of its kind:
//
//   - creates, keyed by pod: a worker tries the pod's placement once; RunPod
//     errors retry with exponential back-off (RetryBackoff doubling to 5m),
//     the spend cap re-checks every FastInterval, a refusal waits for the pod
//     to change. Eight workers bound concurrent creates; the client's rate
//     gate paces the rest.
//   - restarts, keyed by pod: start a stopped RunPod pod again, the first
//     time at once and then after 10s, 20s, … up to 5m, like a kubelet.
//   - deletes, one item per RunPod id the round ended: retried with back-off.
//   - exits, keyed by pod: read a stopped container's exit status from its log.
//   - updates, keyed by pod: PATCH a changed image.
//   - records, keyed by pod: write the RunPod pod's facts into the pod's
//     annotations. Neither a round nor a create worker waits for that write
//     (it queues behind the client's QPS with status and events); a failed
//     one is retried with back-off, and each round compares them again.
//   - rounds: one token, due when the next listing is; kick brings it forward.
type queues struct {
	creates  workqueue.TypedRateLimitingInterface[string]
	restarts workqueue.TypedRateLimitingInterface[string]
	deletes  workqueue.TypedRateLimitingInterface[deletion]
	exits    workqueue.TypedRateLimitingInterface[string]
	updates  workqueue.TypedRateLimitingInterface[string]
	records  workqueue.TypedRateLimitingInterface[string]
	rounds   workqueue.TypedDelayingInterface[roundToken]
}

// createWorkers bounds concurrent creates; exitReaders concurrent log
// reads (each lasts about the client's log idle gap); recordWriters
// concurrent annotation patches (the Kubernetes client's QPS paces them).
const (
	createWorkers = 8
	exitReaders   = 4
	recordWriters = 4
)

// roundToken is the one item of the rounds queue.
type roundToken struct{}

// deletion is a RunPod pod to terminate, and why. A graceful one (a pod
// deleted while its container ran) was stopped first and waits, until the
// Unix millisecond until at most, for RunPod to show it EXITED.
type deletion struct {
	id, key string
	uid     types.UID
	reason  string
	until   int64
}

func newQueues(s Settings, clk clock.WithTicker) *queues {
	return &queues{
		creates: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](s.RetryBackoff, 5*time.Minute),
			workqueue.TypedRateLimitingQueueConfig[string]{Clock: clk}),
		restarts: workqueue.NewTypedRateLimitingQueueWithConfig[string](
			newRestartBackoff(10*time.Second, 5*time.Minute),
			workqueue.TypedRateLimitingQueueConfig[string]{Clock: clk}),
		deletes: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[deletion](time.Second, time.Minute),
			workqueue.TypedRateLimitingQueueConfig[deletion]{Clock: clk}),
		exits: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](time.Second, time.Minute),
			workqueue.TypedRateLimitingQueueConfig[string]{Clock: clk}),
		updates: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](s.RetryBackoff, 5*time.Minute),
			workqueue.TypedRateLimitingQueueConfig[string]{Clock: clk}),
		records: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](time.Second, time.Minute),
			workqueue.TypedRateLimitingQueueConfig[string]{Clock: clk}),
		rounds: workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[roundToken]{Clock: clk}),
	}
}

func (q *queues) shutDown() {
	q.creates.ShutDown()
	q.restarts.ShutDown()
	q.deletes.ShutDown()
	q.exits.ShutDown()
	q.updates.ShutDown()
	q.records.ShutDown()
	q.rounds.ShutDown()
}

// Start runs the queues' workers for the term ctx; they stop when it ends.
// A create request in flight is never cancelled: its worker finishes it.
func (p *Provider) Start(ctx context.Context) {
	p.mu.Lock()
	p.termCtx = ctx
	p.mu.Unlock()
	for range createWorkers {
		go drain(p.q.creates, func(key string) { p.createOnce(ctx, key) })
	}
	go drain(p.q.restarts, func(key string) { p.restartOnce(ctx, key) })
	go drain(p.q.deletes, func(d deletion) { p.deleteOnce(ctx, d) })
	go drain(p.q.updates, func(key string) { p.updateOnce(ctx, key) })
	for range exitReaders {
		go drain(p.q.exits, func(key string) { p.readExit(ctx, key) })
	}
	for range recordWriters {
		go drain(p.q.records, func(key string) { p.recordOnce(ctx, key) })
	}
	go func() {
		<-ctx.Done()
		p.q.shutDown()
	}()
}

// drain hands q's items to fn one at a time until q shuts down.
func drain[T comparable](q workqueue.TypedRateLimitingInterface[T], fn func(T)) {
	for {
		item, quit := q.Get()
		if quit {
			return
		}
		fn(item)
		q.Done(item)
	}
}

// restartBackoff is the kubelet's restart back-off: the first restart at
// once, then base, 2×base, … up to max; Forget starts it over.
type restartBackoff struct {
	base, max time.Duration
	mu        sync.Mutex
	n         map[string]int
}

func newRestartBackoff(base, max time.Duration) *restartBackoff {
	return &restartBackoff{base: base, max: max, n: map[string]int{}}
}

func (b *restartBackoff) When(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.n[key]
	b.n[key] = n + 1
	if n == 0 {
		return 0
	}
	return min(b.base<<min(n-1, 20), b.max)
}

func (b *restartBackoff) Forget(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.n, key)
}

func (b *restartBackoff) NumRequeues(key string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n[key]
}
