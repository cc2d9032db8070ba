package runpodapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// sseLog serves a fixed log of n lines. The first connection is cut after
// cutAfter events; later connections resume after Last-Event-ID.
type sseLog struct {
	mu       sync.Mutex
	lines    []LogLine
	cutAfter int
	conns    int
	lastIDs  []string
}

func newSSELog(n, cutAfter int) *sseLog {
	s := &sseLog{cutAfter: cutAfter}
	base := time.Date(2026, 6, 1, 12, 2, 3, 0, time.UTC)
	for i := 1; i <= n; i++ {
		ts := base.Add(time.Duration(i) * time.Second)
		s.lines = append(s.lines, LogLine{ID: fmt.Sprintf("%s/%012d", ts.Format(time.RFC3339), i), TS: ts,
			Source: LogSourceContainer, Line: fmt.Sprintf("line %d", i)})
	}
	return s
}

func (s *sseLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.conns++
	conn := s.conns
	last := r.Header.Get("Last-Event-ID")
	s.lastIDs = append(s.lastIDs, last)
	s.mu.Unlock()

	start := 0
	for i, l := range s.lines {
		if l.ID == last {
			start = i + 1
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	fl := http.NewResponseController(w)
	_, _ = fmt.Fprint(w, ": keep-alive\n\n")
	for i, l := range s.lines[start:] {
		if conn == 1 && i == s.cutAfter {
			_ = fl.Flush()
			panic(http.ErrAbortHandler) // drop the connection mid-stream
		}
		data, _ := json.Marshal(l)
		_, _ = fmt.Fprintf(w, "id: %s\ndata: %s\n\n", l.ID, data)
		_ = fl.Flush()
	}
}

func TestStreamLogsResumesWithLastEventID(t *testing.T) {
	src := newSSELog(10, 4)
	c := newTestClient(t, src, func(c *Config) { c.LogIdleGap = 300 * time.Millisecond })
	var got []string
	err := c.StreamLogs(context.Background(), "p1", LogOptions{}, func(l LogLine) error {
		got = append(got, l.Line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 {
		t.Fatalf("got %d lines %v, want 10 without gaps or duplicates", len(got), got)
	}
	for i, l := range got {
		if l != fmt.Sprintf("line %d", i+1) {
			t.Fatalf("line %d = %q", i, l)
		}
	}
	if src.conns != 2 || src.lastIDs[1] != src.lines[3].ID {
		t.Errorf("conns = %d, Last-Event-IDs = %v; want a resume after %s", src.conns, src.lastIDs, src.lines[3].ID)
	}
}

func TestStreamLogsCallbackErrorStops(t *testing.T) {
	c := newTestClient(t, newSSELog(5, 99))
	stop := errors.New("enough")
	n := 0
	err := c.StreamLogs(context.Background(), "p1", LogOptions{}, func(LogLine) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Fatalf("err = %v after %d lines, want the callback's error after 2", err, n)
	}
}

func TestStreamLogsNotFound(t *testing.T) {
	h := &scripted{answers: []func(http.ResponseWriter, *http.Request){problemAnswer(404, "Not Found", "pod not found")}}
	c := newTestClient(t, h)
	err := c.StreamLogs(context.Background(), "gone", LogOptions{Follow: true}, func(LogLine) error { return nil })
	if !errors.Is(err, ErrNotFound) || h.attempts.Load() != 1 {
		t.Fatalf("err = %v after %d attempts, want one 404", err, h.attempts.Load())
	}
}

func TestStreamLogsQuery(t *testing.T) {
	var seen []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.RawQuery+" lei="+r.Header.Get("Last-Event-ID"))
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
	})
	c := newTestClient(t, h)
	tail := 7
	since := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, o := range []LogOptions{
		{Tail: &tail, Source: LogSourceContainer},
		{Since: since, Tail: &tail},
		{LastEventID: "x/1", Since: since},
	} {
		if err := c.StreamLogs(context.Background(), "p", o, func(LogLine) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"source=container&tail=7 lei=", "since=2026-06-01T12%3A00%3A00Z lei=", " lei=x/1"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("queries = %q, want %q", seen, want)
	}
}
