package simulator

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dunglas/httpsfv"
)

// windowState is one member of a RateLimit or RateLimit-Policy header.
type windowState struct {
	name string
	a, b int64 // r and t, or q and w
}

// parseRateHeader parses a structured-field list like
// `"minute";r=58;t=12, "hour";r=2800;t=1812` into its members.
func parseRateHeader(t *testing.T, value, keyA, keyB string) []windowState {
	t.Helper()
	list, err := httpsfv.UnmarshalList([]string{value})
	if err != nil {
		t.Fatalf("header %q is not a structured-field list: %v", value, err)
	}
	var out []windowState
	for _, m := range list {
		item, ok := m.(httpsfv.Item)
		if !ok {
			t.Fatalf("member %v of %q is not an item", m, value)
		}
		name, ok := item.Value.(string)
		a, okA := item.Params.Get(keyA)
		b, okB := item.Params.Get(keyB)
		if !ok || !okA || !okB {
			t.Fatalf("member %v of %q lacks a string name, %s or %s", m, value, keyA, keyB)
		}
		out = append(out, windowState{name, a.(int64), b.(int64)})
	}
	return out
}

func rateOf(t *testing.T, rec *httptest.ResponseRecorder) (limit, policy []windowState) {
	t.Helper()
	return parseRateHeader(t, rec.Header().Get("RateLimit"), "r", "t"), parseRateHeader(t, rec.Header().Get("RateLimit-Policy"), "q", "w")
}

func TestRateLimitHeaders(t *testing.T) {
	sim, clock := newTestSim(t, func(o *Options) { o.Quota = Quota{Minute: 60, Hour: 3000, Day: 50000} })
	clock.Step(48 * time.Second) // 12:00:48
	for i, tc := range []struct {
		method, path string
		body         any
		code         int
	}{
		{http.MethodGet, "/v2/pods", nil, 200},
		{http.MethodPost, "/v2/pods", `{"bogus":1}`, 422},
		{http.MethodGet, "/v2/pods/nope", nil, 404},
		{http.MethodGet, "/v2/catalog/gpus", nil, 200},
		{http.MethodPut, "/v2/pods", nil, 405},
	} {
		rec := call(t, sim, tc.method, tc.path, tc.body)
		wantStatus(t, rec, tc.code)
		limit, policy := rateOf(t, rec)
		want := []windowState{{"minute", int64(59 - i), 12}, {"hour", int64(2999 - i), 3552}, {"day", int64(49999 - i), 43152}}
		if len(limit) != 3 || limit[0] != want[0] || limit[1] != want[1] || limit[2] != want[2] {
			t.Fatalf("request %d RateLimit = %+v, want %+v", i, limit, want)
		}
		wantPolicy := []windowState{{"minute", 60, 60}, {"hour", 3000, 3600}, {"day", 50000, 86400}}
		if len(policy) != 3 || policy[0] != wantPolicy[0] || policy[1] != wantPolicy[1] || policy[2] != wantPolicy[2] {
			t.Fatalf("RateLimit-Policy = %+v, want %+v", policy, wantPolicy)
		}
	}
	rec := callWith(t, sim, http.MethodGet, "/v2/pods", nil, nil)
	wantStatus(t, rec, 401)
	if rec.Header().Get("RateLimit") != "" || rec.Header().Get("RateLimit-Policy") != "" {
		t.Fatalf("401 carries rate-limit headers: %v", rec.Header())
	}
}

func TestRateLimitExhaustion(t *testing.T) {
	sim, clock := newTestSim(t, func(o *Options) { o.Quota = Quota{Minute: 3, Hour: 4} })
	clock.Step(50 * time.Second) // 10s left in the minute window
	for range 3 {
		wantStatus(t, call(t, sim, http.MethodGet, "/v2/pods", nil), 200)
	}
	for range 2 { // refused requests consume nothing
		rec := call(t, sim, http.MethodGet, "/v2/pods", nil)
		p := problemOf(t, rec, 429)
		if p.Detail != "rate limit exceeded for the minute window" || rec.Header().Get("Retry-After") != "10" {
			t.Fatalf("429 detail %q Retry-After %q", p.Detail, rec.Header().Get("Retry-After"))
		}
		if limit, _ := rateOf(t, rec); len(limit) != 2 || limit[0].a != 0 || limit[1].a != 1 {
			t.Fatalf("429 RateLimit = %+v, want minute r=0, hour r=1", limit)
		}
	}
	clock.Step(10 * time.Second) // new minute
	rec := call(t, sim, http.MethodGet, "/v2/pods", nil)
	wantStatus(t, rec, 200)
	if limit, _ := rateOf(t, rec); limit[0] != (windowState{"minute", 2, 60}) || limit[1].a != 0 {
		t.Fatalf("after reset RateLimit = %+v", limit)
	}
	rec = call(t, sim, http.MethodGet, "/v2/pods", nil)
	p := problemOf(t, rec, 429)
	if p.Detail != "rate limit exceeded for the hour window" || rec.Header().Get("Retry-After") != "3540" {
		t.Fatalf("hour 429: %q Retry-After %q", p.Detail, rec.Header().Get("Retry-After"))
	}
}

func TestZeroQuotaHasNoHeaders(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	for range 100 {
		rec := call(t, sim, http.MethodGet, "/v2/pods", nil)
		wantStatus(t, rec, 200)
		if rec.Header().Get("RateLimit") != "" {
			t.Fatalf("unlimited simulator sent RateLimit %q", rec.Header().Get("RateLimit"))
		}
	}
}

func TestRetryAfterRoundsUp(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "1"}, {time.Millisecond, "1"}, {time.Second, "1"}, {1500 * time.Millisecond, "2"}, {59 * time.Second, "59"}} {
		if got := retryAfter(tc.d); got != tc.want {
			t.Errorf("retryAfter(%v) = %s, want %s", tc.d, got, tc.want)
		}
	}
}
