package simulator

import (
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// maxLogHistory bounds the settled events a pod keeps (the spec's tail
// maximum is 5000); older events are dropped but keep their sequence numbers.
const maxLogHistory = 10000

// logEvent is one line of a pod's log. Its sequence number is its 1-based
// position in the pod's whole log, so event ids never change once seen.
type logEvent struct {
	ts     time.Time
	source runpodapi.LogSource
	line   string
}

// podLog is a pod's log: settled history followed by the live events of the
// current boot, which are computed from the clock on demand.
type podLog struct {
	dropped int        // events dropped from the front of hist
	hist    []logEvent // settled events, oldest first
}

// appendEvent adds e to the history. Timestamps never decrease along the
// log (backfill searches them): an event stamped before the last one, such
// as a system line right after a stop's SIGTERM output, takes its time.
func (l *podLog) appendEvent(e logEvent) {
	if n := len(l.hist); n > 0 && e.ts.Before(l.hist[n-1].ts) {
		e.ts = l.hist[n-1].ts
	}
	l.hist = append(l.hist, e)
	if over := len(l.hist) - maxLogHistory; over > 0 {
		l.hist = append(l.hist[:0:0], l.hist[over:]...)
		l.dropped += over
	}
}

// settleBoot moves the events b has produced by t into the history.
func (l *podLog) settleBoot(b *boot, t time.Time) {
	visible := b.visible(t)
	if skip := visible - b.emitted - maxLogHistory; skip > 0 {
		// Too many to keep: count the oldest as dropped without building them.
		l.dropped += len(l.hist) + skip
		l.hist = nil
		b.emitted += skip
	}
	for ; b.emitted < visible; b.emitted++ {
		l.appendEvent(b.event(b.emitted))
	}
}

// count is the sequence number of the newest event that exists at t.
func (l *podLog) count(b *boot, t time.Time) int {
	n := l.dropped + len(l.hist)
	if b != nil {
		n += b.visible(t) - b.emitted
	}
	return n
}

// at returns the event with sequence number seq (1-based); false when it was
// dropped or does not exist.
func (l *podLog) at(b *boot, seq int) (logEvent, bool) {
	i := seq - 1 - l.dropped
	switch {
	case i < 0:
		return logEvent{}, false
	case i < len(l.hist):
		return l.hist[i], true
	case b == nil:
		return logEvent{}, false
	}
	return b.event(b.emitted + i - len(l.hist)), true
}

// first is the oldest sequence number still kept.
func (l *podLog) first() int { return l.dropped + 1 }

// containerLines are the settled container lines, oldest first.
func (l *podLog) containerLines() []string {
	var out []string
	for _, e := range l.hist {
		if e.source == runpodapi.LogSourceContainer {
			out = append(out, e.line)
		}
	}
	return out
}
