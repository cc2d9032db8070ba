package simulator

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// sseReader parses the events of a text/event-stream body.
type sseReader struct{ r *bufio.Reader }

// next returns the next event, or io.EOF when the stream ended.
func (s sseReader) next() (runpodapi.LogLine, error) {
	var ev runpodapi.LogLine
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			if err == io.EOF && line == "" {
				return ev, io.EOF
			}
			return ev, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "" && ev.ID != "":
			return ev, nil
		case strings.HasPrefix(line, "id: "):
			ev.ID = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev); err != nil {
				return ev, err
			}
		}
	}
}

func readAllEvents(t *testing.T, body io.Reader) []runpodapi.LogLine {
	t.Helper()
	var out []runpodapi.LogLine
	r := sseReader{bufio.NewReader(body)}
	for {
		ev, err := r.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("read event: %v", err)
		}
		out = append(out, ev)
	}
}

func seqOf(t *testing.T, ev runpodapi.LogLine) int {
	t.Helper()
	ts, seq, ok := strings.Cut(ev.ID, "/")
	n, err := strconv.Atoi(seq)
	if !ok || err != nil || len(seq) != 12 || ts != ev.TS.Format(time.RFC3339Nano) {
		t.Fatalf("event id %q does not match ts %v", ev.ID, ev.TS)
	}
	return n
}

func TestLogBackfill(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	req := gpuRequest("job", rtx4090, 1)
	req.Env = map[string]string{EnvExitAfter: "10s"}
	created := mustSeed(t, sim, req)
	t0 := created.CreatedAt
	clock.Step(time.Minute) // exited at t0+25s: 4 system lines before, 10 container lines, 1 after
	at := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }
	idOf := func(seq int, d time.Duration) string {
		return t0.Add(d).Format(time.RFC3339Nano) + "/" + strconv.Itoa(1e12 + seq)[1:]
	}
	for _, tc := range []struct {
		name, query, lastEventID string
		wantSeqs                 []int
	}{
		{"default tail", "", "", seqRange(1, 15)},
		{"tail 3", "?tail=3", "", seqRange(13, 15)},
		{"tail 0", "?tail=0", "", nil},
		{"container only", "?source=container", "", seqRange(5, 14)},
		{"system tail", "?source=system&tail=2", "", []int{4, 15}},
		{"since is inclusive", "?since=" + at(20*time.Second), "", seqRange(9, 15)},
		{"since ignores tail", "?tail=1&since=" + at(24*time.Second), "", []int{13, 14, 15}},
		{"last event id", "?tail=1", idOf(10, 21*time.Second), seqRange(11, 15)},
		{"last event id beats since", "?since=" + at(0), idOf(14, 25*time.Second), []int{15}},
		{"bare timestamp id", "", at(24 * time.Second), []int{14, 15}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			headers := map[string]string{"Authorization": "Bearer " + testKey, "Last-Event-ID": tc.lastEventID}
			rec := callWith(t, sim, http.MethodGet, "/v2/pods/"+created.ID+"/logs"+tc.query, nil, headers)
			wantStatus(t, rec, 200)
			for k, v := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Connection": "keep-alive", "X-Accel-Buffering": "no"} {
				if got := rec.Header().Get(k); got != v {
					t.Fatalf("%s = %q, want %q", k, got, v)
				}
			}
			var seqs []int
			for _, ev := range readAllEvents(t, rec.Body) {
				seqs = append(seqs, seqOf(t, ev))
			}
			if !slices.Equal(seqs, tc.wantSeqs) {
				t.Fatalf("sequences = %v, want %v", seqs, tc.wantSeqs)
			}
		})
	}
}

func seqRange(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestLogContent(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	req := gpuRequest("job", rtx4090, 1)
	req.Env = map[string]string{EnvLogLines: "loading model\nModel loaded.", EnvFailAfter: "5s"}
	id := mustSeed(t, sim, req).ID
	clock.Step(time.Minute)
	events := readAllEvents(t, call(t, sim, http.MethodGet, "/v2/pods/"+id+"/logs", nil).Body)
	var got []string
	for _, ev := range events {
		got = append(got, string(ev.Source)+": "+ev.Line)
	}
	want := []string{
		"system: pod created in US-TX-3: 1 x NVIDIA GeForce RTX 4090",
		"system: pulling image runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404",
		"system: image pulled: runpod/pytorch:1.0.2-cu1281-torch280-ubuntu2404",
		"system: container started",
		"container: loading model",
		"container: Model loaded.",
		"system: container failed: simulated failure (RUNPOD_SIM_FAIL_AFTER)",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("log =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLogQueryProblems(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	id := mustSeed(t, sim, gpuRequest("a", rtx4090, 1)).ID
	for _, tc := range []struct {
		name, path, lastEventID string
		code                    int
	}{
		{"unknown pod", "/v2/pods/nope/logs", "", 404},
		{"tail too big", "/v2/pods/" + id + "/logs?tail=5001", "", 422},
		{"negative tail", "/v2/pods/" + id + "/logs?tail=-1", "", 422},
		{"bad source", "/v2/pods/" + id + "/logs?source=stdout", "", 422},
		{"bad since", "/v2/pods/" + id + "/logs?since=yesterday", "", 422},
		{"bad last event id", "/v2/pods/" + id + "/logs", "42", 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			headers := map[string]string{"Authorization": "Bearer " + testKey, "Last-Event-ID": tc.lastEventID}
			problemOf(t, callWith(t, sim, http.MethodGet, tc.path, nil, headers), tc.code)
		})
	}
}

// openLogs starts a stream against a real server; cancel ends it.
func openLogs(t *testing.T, srv *Server, id, query, lastEventID string) (sseReader, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v2/pods/"+id+"/logs"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("open logs: %v", err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("open logs: %s", resp.Status)
	}
	return sseReader{bufio.NewReader(resp.Body)}, func() { cancel(); resp.Body.Close() }
}

func TestLogFollowAndResume(t *testing.T) {
	clock := newFakeClock()
	opts := testOptions(clock)
	opts.LogInterval = 40 * time.Millisecond // simulated; streams poll every 10ms of real time
	srv := NewServer(opts)
	defer srv.Close()
	id := mustSeed(t, srv.Simulator, gpuRequest("a", rtx4090, 1)).ID
	clock.Step(15 * time.Second) // RUNNING: 4 system events so far

	stream, stop := openLogs(t, srv, id, "?tail=0", "")
	var seen []int
	var last runpodapi.LogLine
	for range 3 {
		clock.Step(opts.LogInterval)
		ev, err := stream.next()
		if err != nil {
			t.Fatalf("follow: %v", err)
		}
		if ev.Source != runpodapi.LogSourceContainer {
			t.Fatalf("followed %+v, want a container line", ev)
		}
		seen, last = append(seen, seqOf(t, ev)), ev
	}
	stop() // the client goes away; lines keep coming
	clock.Step(5 * opts.LogInterval)

	stream, stop = openLogs(t, srv, id, "", last.ID)
	defer stop()
	for range 5 {
		ev, err := stream.next()
		if err != nil {
			t.Fatalf("resume: %v", err)
		}
		seen = append(seen, seqOf(t, ev))
	}
	if !slices.Equal(seen, seqRange(5, 12)) {
		t.Fatalf("sequences across the reconnect = %v, want 5..12 without gaps or duplicates", seen)
	}
	rec := call(t, srv, http.MethodPost, "/v2/pods/"+id+"/action", map[string]string{"action": "stop"})
	wantStatus(t, rec, 200)
	rest := readAllEvents(t, stream.r) // remaining lines, then the stream closes
	if len(rest) == 0 || rest[len(rest)-1].Line != "container stopped" {
		t.Fatalf("after stop the stream sent %+v, want it to end with \"container stopped\"", rest)
	}
}

func TestLogStreamEndsOnClose(t *testing.T) {
	clock := newFakeClock()
	srv := NewServer(testOptions(clock))
	id := mustSeed(t, srv.Simulator, gpuRequest("a", rtx4090, 1)).ID
	stream, stop := openLogs(t, srv, id, "", "")
	defer stop()
	done := make(chan int)
	go func() {
		n := 0
		for _, err := stream.next(); err == nil; _, err = stream.next() {
			n++
		}
		done <- n
	}()
	srv.Close()
	select {
	case n := <-done:
		if n != 2 {
			t.Fatalf("backfill of a provisioning pod had %d events, want 2 system lines", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("stream still open after Close")
	}
}
