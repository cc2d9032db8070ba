package bench

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

// routeCreate is the create route, whose first request starts a burst's clock.
const routeCreate = "POST /v2/pods"

// tap sits in front of a simulator and records every request as the
// simulator answered it: API key, route, status and arrival. The simulator
// counts by route only; the quota scenario needs counts per key (kubelet,
// baseline) and the first create's time and windows.
type tap struct {
	next *simulator.Simulator

	mu     sync.Mutex
	calls  []tapCall
	create map[string]firstCreate // by key
}

type tapCall struct {
	at               time.Time
	key, route, path string
	code             int
}

// firstCreate is when a key's first create arrived and its windows just before.
type firstCreate struct {
	at      time.Time
	windows []runpodapi.RateWindow
}

func newTap(sim *simulator.Simulator) *tap {
	return &tap{next: sim, create: map[string]firstCreate{}}
}

func (tp *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	_, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	key = strings.TrimSpace(key)
	route := r.Method + " " + routePattern(r.URL.Path)
	if route == routeCreate {
		tp.mu.Lock()
		if _, seen := tp.create[key]; !seen {
			// Read before the request is admitted: the windows as the first create found them.
			tp.create[key] = firstCreate{at: at, windows: tp.next.QuotaWindows(key)}
		}
		tp.mu.Unlock()
	}
	rec := &codeRecorder{ResponseWriter: w, code: http.StatusOK}
	tp.next.ServeHTTP(rec, r)
	tp.mu.Lock()
	tp.calls = append(tp.calls, tapCall{at: at, key: key, route: route, path: r.URL.Path, code: rec.code})
	tp.mu.Unlock()
}

// routePattern replaces the id segment of a path with {id}, as the
// simulator's counters name routes.
func routePattern(path string) string {
	seg := strings.Split(path, "/") // "", "v2", collection, id, ...
	switch {
	case len(seg) > 3 && (seg[2] == "pods" || seg[2] == "registries"):
		seg[3] = "{id}"
	case len(seg) > 4 && seg[2] == "account" && seg[3] == "secrets":
		seg[4] = "{id}"
	}
	return strings.Join(seg, "/")
}

// firstCreate is key's first create, if it has sent one.
func (tp *tap) firstCreate(key string) (firstCreate, bool) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	fc, ok := tp.create[key]
	return fc, ok
}

// tapCount is what one key sent in a span.
type tapCount struct {
	total, tooMany int
	routes         map[string]int64 // requests by route, 429s included
}

// count sums key's requests that arrived in [from, to).
func (tp *tap) count(key string, from, to time.Time) tapCount {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	c := tapCount{routes: map[string]int64{}}
	for _, call := range tp.calls {
		if call.key != key || call.at.Before(from) || !call.at.Before(to) {
			continue
		}
		c.total++
		c.routes[call.route]++
		if call.code == http.StatusTooManyRequests {
			c.tooMany++
		}
	}
	return c
}

// byMinute is key's requests in [from, to) in the simulator's minute
// windows (aligned to UTC minutes), one line each: where a burst's time went.
func (tp *tap) byMinute(key string, from, to time.Time) []string {
	var lines []string
	for at := from.Truncate(time.Minute); at.Before(to); at = at.Add(time.Minute) {
		end := at.Add(time.Minute)
		if to.Before(end) {
			end = to
		}
		c := tp.count(key, later(at, from), end)
		lines = append(lines, fmt.Sprintf("%s: %d (%v)", at.Format("15:04"), c.total, c.routes))
	}
	return lines
}

// timeline is key's requests in [from, to), one line each, from from.
func (tp *tap) timeline(key string, from, to time.Time) []string {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	var lines []string
	for _, c := range tp.calls {
		if c.key == key && !c.at.Before(from) && c.at.Before(to) {
			lines = append(lines, fmt.Sprintf("+%s %s %s %d", c.at.Sub(from).Round(time.Millisecond), c.route, c.path, c.code))
		}
	}
	return lines
}

// perMinute is the count's rate over a span of d.
func (c tapCount) perMinute(d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(c.total) * float64(time.Minute) / float64(d)
}

// codeRecorder notes the status a handler wrote; it passes flushes and
// hijacks through, so log streams and dropped connections behave as without it.
type codeRecorder struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (r *codeRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.code, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *codeRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *codeRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := r.ResponseWriter.(http.Hijacker); ok {
		r.code = 0 // no response: a dropped connection
		return h.Hijack()
	}
	return nil, nil, http.ErrNotSupported
}

func (r *codeRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
