package runpodapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"k8s.io/utils/clock"
)

// DefaultBaseURL is RunPod's production API server; paths add /v2.
const DefaultBaseURL = "https://api.runpod.io"

// Config configures a Client. Zero fields take the defaults noted.
type Config struct {
	BaseURL      string        // default DefaultBaseURL
	APIKey       APIKey        // required
	Timeout      time.Duration // per call, retries included; default 30s
	MaxRetries   int           // default 4; -1 disables retries
	RetryWaitMin time.Duration // default 500ms
	RetryWaitMax time.Duration // default 10s
	// DefaultPerMinute paces requests until the server advertises its quota
	// in RateLimit-Policy; default 60 (the spec's example). -1 disables.
	DefaultPerMinute int
	// LogIdleGap ends a non-follow log read once the stream is quiet this
	// long after the backfill; default 1s.
	LogIdleGap time.Duration
	HTTPClient *http.Client       // optional; shared by every call
	Observer   func(CallResult)   // optional; called once per HTTP attempt (metrics)
	Clock      clock.PassiveClock // optional clock for the rate gate
}

// CallResult describes one HTTP attempt, for metrics.
type CallResult struct {
	Route    string // e.g. "GET /v2/pods/{id}"
	Status   int    // 0 for transport errors
	Duration time.Duration
}

// Client calls RunPod REST v2. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	key        *secret
	timeout    time.Duration
	idleGap    time.Duration
	idempotent *retryablehttp.Client // GET, PATCH, DELETE
	once       *retryablehttp.Client // POST: only 429 is repeated
	stream     *http.Client          // SSE: no overall timeout
	gate       *rateGate
}

// New builds a Client from cfg.
func New(cfg Config) (*Client, error) {
	if cfg.APIKey == "" {
		return nil, errors.New("runpod client: API key is empty")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("runpod client: base URL: %w", err)
	}
	cfg = withDefaults(cfg)
	gate := newRateGate(cfg.DefaultPerMinute, cfg.Clock)
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	shared := &http.Client{
		Transport:     &gatedTransport{base: transportOf(hc), gate: gate, observe: cfg.Observer},
		CheckRedirect: refuseRedirect,
	}
	mk := func(policy retryablehttp.CheckRetry) *retryablehttp.Client {
		return &retryablehttp.Client{
			HTTPClient:   shared,
			RetryWaitMin: cfg.RetryWaitMin,
			RetryWaitMax: cfg.RetryWaitMax,
			RetryMax:     max(cfg.MaxRetries, 0),
			CheckRetry:   policy,
			Backoff:      backoff,
			ErrorHandler: retryablehttp.PassthroughErrorHandler,
		}
	}
	return &Client{
		base:       base,
		key:        &secret{key: string(cfg.APIKey)},
		timeout:    cfg.Timeout,
		idleGap:    cfg.LogIdleGap,
		idempotent: mk(retryIdempotent),
		once:       mk(retryOnce),
		stream:     shared,
		gate:       gate,
	}, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 4
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = 500 * time.Millisecond
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = 10 * time.Second
	}
	if cfg.DefaultPerMinute == 0 {
		cfg.DefaultPerMinute = 60
	}
	if cfg.LogIdleGap <= 0 {
		cfg.LogIdleGap = time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	return cfg
}

// CallTimeout is the longest one call lasts, retries included: the bound
// of a create POST in flight.
func (c *Client) CallTimeout() time.Duration { return c.timeout }

// Budget returns the rate-limit budget learned from the latest response.
func (c *Client) Budget() Budget { return c.gate.snapshot() }

// call is one API operation: op names it for errors, route for metrics.
type call struct {
	op     string
	method string
	route  string
	path   string
	query  url.Values
	body   any
	want   int // the success status
	out    any // decoded on success when non-nil
	// maxBody bounds the decoded answer (list pages); 0 means unbounded.
	maxBody int64
}

// do runs c with the retry policy its method calls for and decodes the answer.
func (c *Client) do(ctx context.Context, cl call) error {
	// Waiting for the rate-limit window is not part of the call: it ends
	// with ctx, before anything is sent, and the call's timeout starts after.
	if err := c.gate.wait(ctx); err != nil {
		return fmt.Errorf("runpod %s: %w", cl.op, err)
	}
	if cl.method == http.MethodPost {
		ctx = context.WithoutCancel(ctx) // once sent, a create is not abandoned: its outcome must be learned
	}
	ctx, cancel := context.WithTimeout(withAdmitted(ctx), c.timeout)
	defer cancel()
	req, err := c.newRequest(ctx, cl)
	if err != nil {
		return err
	}
	rc := c.idempotent
	if cl.method == http.MethodPost {
		rc = c.once
	}
	resp, err := rc.Do(req)
	if err != nil {
		return c.transportError(cl, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != cl.want {
		return c.problem(cl.op, resp)
	}
	if cl.out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	var derr error
	if cl.maxBody > 0 {
		derr = decodeBounded(resp.Body, cl.maxBody, cl.out)
	} else {
		derr = json.NewDecoder(resp.Body).Decode(cl.out)
	}
	if err := derr; err != nil {
		return &APIError{Op: cl.op, Err: fmt.Errorf("decode %d response: %w", resp.StatusCode, err)}
	}
	return nil
}

func (c *Client) newRequest(ctx context.Context, cl call) (*retryablehttp.Request, error) {
	// cl.path is already escaped (ids go through url.PathEscape).
	u := c.base.String() + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body any
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return nil, fmt.Errorf("runpod %s: encode request: %w", cl.op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := retryablehttp.NewRequestWithContext(withRoute(ctx, cl.route), cl.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("runpod %s: build request: %w", cl.op, err)
	}
	req.Header.Set("Authorization", c.key.bearer())
	req.Header.Set("Accept", "application/json, application/problem+json")
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// transportError turns a failed round trip into an *APIError with the key
// redacted; a POST's transport failure is also an uncertain outcome.
func (c *Client) transportError(cl call, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("runpod %s: %w", cl.op, err)
	}
	return &APIError{Op: cl.op, Err: errors.New(c.key.redact(err.Error()))}
}

// problem reads a problem+json error body into an *APIError.
func (c *Client) problem(op string, resp *http.Response) *APIError {
	e := &APIError{Op: op, Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
	var p ErrorResponse
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(raw, &p) == nil && (p.Title != "" || p.Detail != "") {
		e.Title, e.Detail, e.Errors = p.Title, p.Detail, p.Errors
	} else if s := strings.TrimSpace(string(raw)); s != "" {
		e.Detail = s
	}
	e.Title, e.Detail = c.key.redact(e.Title), c.key.redact(e.Detail)
	for i := range e.Errors {
		e.Errors[i] = c.key.redact(e.Errors[i])
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter, _ = retryAfter(resp.Header)
	}
	return e
}
