package podsync

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// No hand-over may create a second RunPod pod. Two rules make sure of it:
//
//   - A term sends no create POST once it has ended, and the leader waits for
//     the POSTs in flight (each bounded by CreateBound) before it releases the
//     Lease (WaitCreates; app's elector calls it before the release).
//   - A leader that took the Lease over from a live holder (the old one was
//     killed or cut off and could not wait) holds back, until CreateBound
//     after it won the Lease, the creates of the pods that existed at the
//     term's start and that no listing shows yet: the old leader's POST for
//     one of them may still land. After the hold, a fresh complete listing
//     decides.

// Handover is how a term won its Lease.
type Handover struct {
	// Clean is true when nobody held the Lease (first start, or the last
	// holder released it after its creates finished).
	Clean bool
	From  string    // the previous holder, when it was taken over
	At    time.Time // when this term won the Lease
}

// handover is a term's hold on creates of the pods present at its start.
type handover struct {
	from  string
	until time.Time // zero when the Lease was won cleanly

	mu   sync.Mutex
	held map[types.UID]bool
}

func newHandover(h Handover, bound time.Duration) *handover {
	out := &handover{from: h.From, held: map[types.UID]bool{}}
	if !h.Clean && !h.At.IsZero() {
		out.until = h.At.Add(bound)
	}
	return out
}

// hold marks a pod present at the term's start that no listing showed.
func (h *handover) hold(uid types.UID) {
	if h.until.IsZero() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.held[uid] = true
}

// check says whether uid's create must wait (until when), and whether it
// was held at all, in which case its name lookup must be a fresh listing.
// Once the hold is over the pod is released.
func (h *handover) check(uid types.UID, now time.Time) (wait time.Duration, wasHeld bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.held[uid] {
		return 0, false
	}
	if now.Before(h.until) {
		return h.until.Sub(now), true
	}
	delete(h.held, uid)
	return 0, true
}

// postGate counts create POSTs in flight and refuses new ones once closed.
type postGate struct {
	mu     sync.Mutex
	n      int
	closed bool
	zero   chan struct{} // closed when n drops to 0 after close
}

// begin reports whether a POST may be sent now; call end after it.
func (g *postGate) begin() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.n++
	return true
}

func (g *postGate) end() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.n == 0 && g.zero != nil {
		close(g.zero)
		g.zero = nil
	}
}

// close refuses further POSTs and returns a channel closed once none is in flight.
func (g *postGate) close() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	ch := make(chan struct{})
	if g.n == 0 {
		close(ch)
		return ch
	}
	if g.zero == nil {
		g.zero = ch
		return ch
	}
	return g.zero
}

// WaitCreates ends the term's creates: no new POST is sent, and it waits up
// to timeout for those in flight. It reports whether none is left.
func (p *Provider) WaitCreates(timeout time.Duration) bool {
	done := p.posts.close()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}
