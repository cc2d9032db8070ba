package runpodapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testKey = "rpa_TESTKEY_0123456789abcdef"

// scripted answers requests from a list of responses, one per attempt, and
// counts attempts; the last response repeats.
type scripted struct {
	attempts atomic.Int64
	answers  []func(w http.ResponseWriter, r *http.Request)
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.attempts.Add(1)) - 1
	if n >= len(s.answers) {
		n = len(s.answers) - 1
	}
	s.answers[n](w, r)
}

func problemAnswer(status int, title, detail string, extra ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		for i := 0; i+1 < len(extra); i += 2 {
			w.Header().Set(extra[i], extra[i+1])
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(ErrorResponse{Title: title, Status: status, Detail: detail,
			Errors: map[bool][]string{true: {"$: additional properties 'bogus' not allowed"}}[status == 422]})
	}
}

func jsonAnswer(status int, v any) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
}

func dropConnection(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

func newTestClient(t *testing.T, h http.Handler, mod ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL, APIKey: testKey, RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond, DefaultPerMinute: -1, Timeout: 5 * time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		status int
		title  string
		want   error
	}{
		{400, "Bad Request", ErrRejected},
		{401, "Unauthorized", ErrUnauthorized},
		{402, "Payment Required", ErrInsufficientBalance},
		{403, "Forbidden", ErrForbidden},
		{404, "Not Found", ErrNotFound},
		{409, "Conflict", ErrConflict},
		{422, "Unprocessable Entity", ErrInvalid},
		{429, "Too Many Requests", ErrRateLimited},
		{503, "Service Unavailable", ErrTransient},
	}
	all := []error{ErrRejected, ErrUnauthorized, ErrInsufficientBalance, ErrForbidden, ErrNotFound,
		ErrConflict, ErrInvalid, ErrRateLimited, ErrTransient}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			h := &scripted{answers: []func(http.ResponseWriter, *http.Request){
				problemAnswer(tt.status, tt.title, "detail of "+tt.title, "Retry-After", "60"),
			}}
			c := newTestClient(t, h, func(c *Config) { c.MaxRetries = -1 })
			_, err := c.GetPod(context.Background(), "abc")
			for _, sentinel := range all {
				if got := errors.Is(err, sentinel); got != (sentinel == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %v", err, sentinel, got)
				}
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != tt.status || ae.Title != tt.title || ae.Detail != "detail of "+tt.title {
				t.Fatalf("APIError = %#v", ae)
			}
			if !strings.Contains(err.Error(), "get pod abc") {
				t.Errorf("error %q does not say what was being done", err)
			}
			if tt.status == 422 && (len(ae.Errors) != 1 || !strings.Contains(err.Error(), "bogus")) {
				t.Errorf("422 errors[] lost: %v", ae.Errors)
			}
			if tt.status == 429 && ae.RetryAfter != time.Minute {
				t.Errorf("RetryAfter = %v, want 1m", ae.RetryAfter)
			}
		})
	}
}

func TestRetryTable(t *testing.T) {
	pod := Pod{ID: "p1", Name: "n1", Status: StatusProvisioning}
	ok := jsonAnswer(200, pod)
	created := jsonAnswer(201, pod)
	tests := []struct {
		name         string
		answers      []func(http.ResponseWriter, *http.Request)
		run          func(*Client) error
		wantAttempts int64
		wantErr      error // nil for success
	}{
		{"GET retries 5xx", []func(http.ResponseWriter, *http.Request){
			problemAnswer(500, "Internal Server Error", "x"), problemAnswer(502, "Bad Gateway", "x"), ok},
			func(c *Client) error { _, err := c.GetPod(context.Background(), "p1"); return err }, 3, nil},
		{"GET retries a dropped connection", []func(http.ResponseWriter, *http.Request){dropConnection, ok},
			func(c *Client) error { _, err := c.GetPod(context.Background(), "p1"); return err }, 2, nil},
		{"GET honours 429", []func(http.ResponseWriter, *http.Request){
			problemAnswer(429, "Too Many Requests", "minute", "Retry-After", "0"), ok},
			func(c *Client) error { _, err := c.GetPod(context.Background(), "p1"); return err }, 2, nil},
		{"GET does not retry 404", []func(http.ResponseWriter, *http.Request){problemAnswer(404, "Not Found", "pod not found"), ok},
			func(c *Client) error { _, err := c.GetPod(context.Background(), "p1"); return err }, 1, ErrNotFound},
		{"GET gives up after MaxRetries", []func(http.ResponseWriter, *http.Request){problemAnswer(503, "Service Unavailable", "x")},
			func(c *Client) error { _, err := c.ListPods(context.Background()); return err }, 5, ErrTransient},
		{"DELETE retries 5xx", []func(http.ResponseWriter, *http.Request){
			problemAnswer(500, "Internal Server Error", "x"), func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }},
			func(c *Client) error { return c.DeletePod(context.Background(), "p1") }, 2, nil},
		{"create is not retried on 500", []func(http.ResponseWriter, *http.Request){problemAnswer(500, "Internal Server Error", "x"), created},
			func(c *Client) error {
				_, err := c.CreatePod(context.Background(), CreatePodRequest{Name: "n1"})
				return err
			}, 1, ErrCreateUncertain},
		{"create is not retried on a dropped connection", []func(http.ResponseWriter, *http.Request){dropConnection, created},
			func(c *Client) error {
				_, err := c.CreatePod(context.Background(), CreatePodRequest{Name: "n1"})
				return err
			}, 1, ErrCreateUncertain},
		{"create waits out a 429", []func(http.ResponseWriter, *http.Request){
			problemAnswer(429, "Too Many Requests", "minute", "Retry-After", "0"), created},
			func(c *Client) error {
				_, err := c.CreatePod(context.Background(), CreatePodRequest{Name: "n1"})
				return err
			}, 2, nil},
		{"create 400 goes to the caller", []func(http.ResponseWriter, *http.Request){problemAnswer(400, "Bad Request", "no capacity"), created},
			func(c *Client) error {
				_, err := c.CreatePod(context.Background(), CreatePodRequest{Name: "n1"})
				return err
			}, 1, ErrRejected},
		{"action is not retried on 500", []func(http.ResponseWriter, *http.Request){problemAnswer(500, "Internal Server Error", "x"), ok},
			func(c *Client) error { _, err := c.PodAction(context.Background(), "p1", ActionStart); return err }, 1, ErrTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &scripted{answers: tt.answers}
			c := newTestClient(t, h)
			err := tt.run(c)
			if tt.wantErr == nil && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if got := h.attempts.Load(); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
		})
	}
}

func TestCreateUncertainCarriesName(t *testing.T) {
	h := &scripted{answers: []func(http.ResponseWriter, *http.Request){problemAnswer(500, "Internal Server Error", "boom")}}
	c := newTestClient(t, h)
	_, err := c.CreatePod(context.Background(), CreatePodRequest{Name: "rpk-abc"})
	var ue *CreateUncertainError
	if !errors.As(err, &ue) || ue.Name != "rpk-abc" || !errors.Is(err, ErrTransient) {
		t.Fatalf("err = %v, want *CreateUncertainError for rpk-abc that is also transient", err)
	}
}

func TestRetryAfterBeyondDeadlineReturnsTyped429(t *testing.T) {
	h := &scripted{answers: []func(http.ResponseWriter, *http.Request){
		problemAnswer(429, "Too Many Requests", "rate limit exceeded for the hour window", "Retry-After", "1800")}}
	c := newTestClient(t, h, func(c *Config) { c.Timeout = 2 * time.Second })
	start := time.Now()
	_, err := c.ListPods(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || !errors.Is(err, ErrRateLimited) || ae.RetryAfter != 30*time.Minute {
		t.Fatalf("err = %v, want a 429 APIError with RetryAfter 30m", err)
	}
	if h.attempts.Load() != 1 || time.Since(start) > time.Second {
		t.Errorf("attempts = %d after %v; a Retry-After past the deadline must not be waited for", h.attempts.Load(), time.Since(start))
	}
}

func TestContextCancelIsNotAnAPIError(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	h := &scripted{answers: []func(http.ResponseWriter, *http.Request){func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}}}
	c := newTestClient(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.ListPods(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	var ae *APIError
	if errors.As(err, &ae) {
		t.Errorf("a cancelled call must not look like a RunPod failure: %v", err)
	}
}

func TestRequestShape(t *testing.T) {
	var got []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, fmt.Sprintf("%s %s?%s auth=%v ct=%s", r.Method, r.URL.EscapedPath(), r.URL.RawQuery,
			r.Header.Get("Authorization") == "Bearer "+testKey, r.Header.Get("Content-Type")))
		switch {
		case r.Method == http.MethodDelete:
			w.WriteHeader(204)
		case r.URL.Path == "/v2/catalog/gpus":
			jsonAnswer(200, ListGpuTypesResponse{Gpus: []GpuType{{ID: "NVIDIA GeForce RTX 4090"}}})(w, r)
		case r.URL.Path == "/v2/catalog/datacenters":
			jsonAnswer(200, ListDataCentersResponse{DataCenters: []DataCenter{{ID: "US-TX-3"}}})(w, r)
		case r.URL.Path == "/v2/pods" && r.Method == http.MethodGet:
			jsonAnswer(200, ListPodsResponse{Pods: []Pod{{ID: "a"}, {ID: "b"}}})(w, r)
		case strings.HasSuffix(r.URL.Path, "/action"):
			var body PodActionRequest
			_ = json.NewDecoder(r.Body).Decode(&body)
			if body.Action == ActionTerminate {
				w.WriteHeader(204)
				return
			}
			jsonAnswer(200, Pod{ID: "a", Status: StatusStarting})(w, r)
		case r.Method == http.MethodPost:
			jsonAnswer(201, Pod{ID: "new"})(w, r)
		default:
			jsonAnswer(200, Pod{ID: "a"})(w, r)
		}
	})
	c := newTestClient(t, h)
	ctx := context.Background()
	pods, err := c.ListPods(ctx)
	if err != nil || len(pods.Pods) != 2 || !pods.Complete {
		t.Fatalf("ListPods = %v, %v", pods, err)
	}
	if _, err := c.GetPod(ctx, "a/b"); err != nil {
		t.Fatal(err)
	}
	if p, err := c.CreatePod(ctx, CreatePodRequest{Name: "x", Image: "busybox", Gpu: &CreateGpuConfig{ID: "g", Count: 1}}); err != nil || p.ID != "new" {
		t.Fatalf("CreatePod = %v, %v", p, err)
	}
	name := "renamed"
	if _, err := c.UpdatePod(ctx, "a", UpdatePodRequest{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePod(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if p, err := c.PodAction(ctx, "a", ActionStart); err != nil || p.Status != StatusStarting {
		t.Fatalf("PodAction start = %v, %v", p, err)
	}
	if p, err := c.PodAction(ctx, "a", ActionTerminate); err != nil || p != nil {
		t.Fatalf("PodAction terminate = %v, %v", p, err)
	}
	gpus, err := c.ListGpuTypes(ctx, GpuTypeQuery{Availability: true, Count: 2, Cloud: CloudCommunity})
	if err != nil || len(gpus) != 1 {
		t.Fatalf("ListGpuTypes = %v, %v", gpus, err)
	}
	if _, err := c.ListGpuTypes(ctx, GpuTypeQuery{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListDataCenters(ctx, DataCenterQuery{GpuAvailability: true, Regions: []string{"EUROPE", "ASIA"}}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /v2/pods? auth=true ct=",
		"GET /v2/pods/a%2Fb? auth=true ct=",
		"POST /v2/pods? auth=true ct=application/json",
		"PATCH /v2/pods/a? auth=true ct=application/json",
		"DELETE /v2/pods/a? auth=true ct=",
		"POST /v2/pods/a/action? auth=true ct=application/json",
		"POST /v2/pods/a/action? auth=true ct=application/json",
		"GET /v2/catalog/gpus?cloud=COMMUNITY&count=2&include=AVAILABILITY&product=POD auth=true ct=",
		"GET /v2/catalog/gpus? auth=true ct=",
		"GET /v2/catalog/datacenters?include=GPU_AVAILABILITY&regions=EUROPE%2CASIA auth=true ct=",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestNewValidatesConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New without a key must fail")
	}
	if _, err := New(Config{APIKey: testKey, BaseURL: "not a url"}); err == nil || strings.Contains(err.Error(), testKey) {
		t.Errorf("New with a bad URL: %v", err)
	}
}
