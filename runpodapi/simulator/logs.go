package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// defaultTail and maxTail are the spec's LogTail default and maximum.
const (
	defaultTail = 100
	maxTail     = 5000
	keepAlive   = 15 * time.Second
)

// logCursor says where a log stream starts.
type logCursor struct {
	source  runpodapi.LogSource // "" = both
	tail    int
	since   *time.Time // inclusive: events with ts ≥ since
	afterID int        // Last-Event-ID: events with a greater sequence number
	afterTS *time.Time // Last-Event-ID that is a bare timestamp: ts > afterTS
}

// parseLogCursor reads source, tail, since and Last-Event-ID; malformed
// values are 422. Last-Event-ID wins over since, since wins over tail.
func parseLogCursor(r *http.Request) (logCursor, error) {
	q := r.URL.Query()
	var c logCursor
	sources, err := queryEnumList(q, "source", string(runpodapi.LogSourceContainer), string(runpodapi.LogSourceSystem))
	if err != nil {
		return logCursor{}, err
	}
	if len(sources) == 1 {
		c.source = runpodapi.LogSource(sources[0])
	}
	if c.tail, err = queryInt(q, "tail", defaultTail, 0, maxTail); err != nil {
		return logCursor{}, err
	}
	if raw := q.Get("since"); raw != "" {
		t, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			return logCursor{}, errInvalid(fmt.Sprintf("since: want an RFC 3339 timestamp, got %q", raw))
		}
		c.since = &t
	}
	if raw := strings.TrimSpace(r.Header.Get("Last-Event-ID")); raw != "" {
		ts, seq, hasSeq := strings.Cut(raw, "/")
		t, err := time.Parse(time.RFC3339Nano, ts)
		n, nerr := strconv.Atoi(seq)
		switch {
		case err != nil || (hasSeq && (nerr != nil || n < 0)):
			return logCursor{}, errInvalid(fmt.Sprintf("Last-Event-ID: want an event id emitted by this endpoint, got %q", raw))
		case hasSeq:
			c.afterID = n
		default:
			c.afterTS = &t
		}
		c.since = nil
	}
	return c, nil
}

// eventID is "<ts RFC 3339>/<12-digit sequence>", as in the spec's example.
func eventID(e logEvent, seq int) string {
	return fmt.Sprintf("%s/%012d", e.ts.Format(time.RFC3339Nano), seq)
}

// logBatch is what a stream sends next and whether the pod's log is over.
type logBatch struct {
	events []sseEvent
	last   int  // sequence number of the newest event considered
	over   bool // the pod is gone or no longer running: nothing more will come
}

type sseEvent struct {
	id   string
	data []byte
}

// backfill selects the events a new stream starts with.
func (s *Simulator) backfill(id string, c logCursor) (logBatch, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.st.pods[id]
	if !ok {
		return logBatch{}, false
	}
	now := s.now()
	n := p.log.count(p.boot, now)
	start := p.log.first()
	switch {
	case c.afterID > 0:
		start = max(start, c.afterID+1)
	case c.afterTS != nil || c.since != nil:
		// Timestamps never decrease along the log, so search for the first match.
		start += sort.Search(n-start+1, func(i int) bool {
			e, _ := p.log.at(p.boot, start+i)
			if c.afterTS != nil {
				return e.ts.After(*c.afterTS)
			}
			return !e.ts.Before(*c.since)
		})
	default:
		// The last `tail` events of the selected source.
		kept := 0
		for start = n + 1; start > p.log.first() && kept < c.tail; {
			start--
			if e, _ := p.log.at(p.boot, start); c.source == "" || e.source == c.source {
				kept++
			}
		}
	}
	return s.collect(p, start-1, n, now, c.source), true
}

// follow returns the events after seq `last` produced since.
func (s *Simulator) follow(id string, last int, source runpodapi.LogSource) logBatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.st.pods[id]
	if !ok {
		return logBatch{last: last, over: true}
	}
	now := s.now()
	return s.collect(p, last, p.log.count(p.boot, now), now, source)
}

// collect renders events (after, n] of p; the lock is held.
func (s *Simulator) collect(p *pod, after, n int, now time.Time, source runpodapi.LogSource) logBatch {
	b := logBatch{last: max(after, n), over: !p.holdsCompute(now)}
	for seq := max(after+1, p.log.first()); seq <= n; seq++ {
		e, _ := p.log.at(p.boot, seq)
		if source != "" && e.source != source {
			continue
		}
		data, _ := json.Marshal(runpodapi.LogLine{TS: e.ts, Source: e.source, Line: e.line})
		b.events = append(b.events, sseEvent{id: eventID(e, seq), data: data})
	}
	return b
}

// handlePodLogs answers GET /v2/pods/{id}/logs with a Server-Sent Events
// stream: the backfill, then new lines as the pod produces them, until the
// client leaves, the simulator closes, or the pod stops running.
func (s *Simulator) handlePodLogs(w http.ResponseWriter, r *http.Request) {
	c, err := parseLogCursor(r)
	if err != nil {
		writeProblem(w, err)
		return
	}
	id := r.PathValue("id")
	batch, ok := s.backfill(id, c)
	if !ok {
		writeProblem(w, errPodNotFound())
		return
	}
	flusher, _ := w.(http.Flusher)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	poll := time.NewTicker(s.opts.logPollInterval())
	defer poll.Stop()
	idle := time.Now()
	for {
		for _, e := range batch.events {
			if _, err := fmt.Fprintf(w, "id: %s\ndata: %s\n\n", e.id, e.data); err != nil {
				return
			}
		}
		if len(batch.events) > 0 {
			idle = time.Now()
		} else if time.Since(idle) >= keepAlive {
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			idle = time.Now()
		}
		if flusher != nil {
			flusher.Flush()
		}
		if batch.over {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-poll.C:
		}
		batch = s.follow(id, batch.last, c.source)
	}
}
