package runpodapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	sse "github.com/tmaxmax/go-sse"
)

// LogOptions selects which log lines StreamLogs reads.
type LogOptions struct {
	Source      LogSource // "" for both container and system lines
	Tail        *int      // lines of backfill, 0..5000; nil = server default (100)
	Since       time.Time // resume from this time; overrides Tail
	LastEventID string    // resume strictly after this event; overrides Since and Tail
	// Follow keeps reading new lines until ctx ends or the server closes the
	// stream. Without it, reading stops once the backfill is done: at the
	// first line stamped after the request, or after a quiet LogIdleGap.
	Follow bool
}

// maxResumes bounds reconnects in a row that deliver no new line.
const maxResumes = 5

// StreamLogs reads a pod's log stream (GET /v2/pods/{id}/logs, SSE) and calls
// fn for each line in order. A dropped connection is resumed with
// Last-Event-ID, so no line is delivered twice or skipped. It returns nil when
// the stream ends, ctx's error when ctx ends, or fn's error.
func (c *Client) StreamLogs(ctx context.Context, id string, opts LogOptions, fn func(LogLine) error) error {
	started := time.Now()
	last := opts.LastEventID
	for failures := 0; ; {
		delivered, err := c.streamOnce(ctx, id, opts, last, started, func(l LogLine) error {
			last = l.ID
			return fn(l)
		})
		var cbErr *callbackError
		switch {
		case ctx.Err() != nil && !errors.As(err, &cbErr):
			return ctx.Err() // the caller stopped reading; a racing clean end is not news
		case err == nil:
			return nil
		case errors.As(err, &cbErr):
			return cbErr.err
		case ctx.Err() != nil:
			return ctx.Err()
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.Status != 0 && ae.Status != http.StatusTooManyRequests && ae.Status < 500 {
			return err // 404 and friends: resuming will not help
		}
		if delivered > 0 {
			failures = 0
		}
		if failures++; failures > maxResumes {
			return fmt.Errorf("runpod logs of pod %s: giving up after %d resumes: %w", id, maxResumes, err)
		}
		wait := backoff(200*time.Millisecond, 5*time.Second, failures-1, nil)
		if ae != nil && ae.RetryAfter > 0 {
			wait = ae.RetryAfter
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }

type sseItem struct {
	ev  sse.Event
	err error
}

// streamOnce reads one connection. It returns how many lines it delivered
// and nil when the stream (or, without Follow, the backfill) ended cleanly.
func (c *Client) streamOnce(ctx context.Context, id string, opts LogOptions, lastID string, started time.Time, fn func(LogLine) error) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := c.openStream(ctx, id, opts, lastID)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()

	items := make(chan sseItem)
	go func() {
		defer close(items)
		for ev, err := range sse.Read(resp.Body, nil) {
			select {
			case items <- sseItem{ev, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()

	idle := time.NewTimer(c.idleGap)
	defer idle.Stop()
	var quiet <-chan time.Time
	if !opts.Follow {
		quiet = idle.C
	}
	delivered := 0
	for {
		select {
		case <-ctx.Done():
			return delivered, ctx.Err()
		case <-quiet:
			return delivered, nil
		case it, ok := <-items:
			if !ok {
				return delivered, nil
			}
			if it.err != nil {
				return delivered, &APIError{Op: "read logs of pod " + id, Err: errors.New(c.key.redact(it.err.Error()))}
			}
			if it.ev.Data == "" {
				continue // keep-alive or comment
			}
			var line LogLine
			if err := json.Unmarshal([]byte(it.ev.Data), &line); err != nil {
				return delivered, &APIError{Op: "read logs of pod " + id, Err: fmt.Errorf("decode event: %w", err)}
			}
			line.ID = it.ev.LastEventID
			if !opts.Follow && line.TS.After(started) {
				return delivered, nil // the backfill is over; this line is live
			}
			if err := fn(line); err != nil {
				return delivered, &callbackError{err}
			}
			delivered++
			idle.Reset(c.idleGap)
		}
	}
}

// openStream connects with the retry policy of a GET, under the per-call
// timeout for the connect only: the stream itself may last as long as ctx.
func (c *Client) openStream(ctx context.Context, id string, opts LogOptions, lastID string) (*http.Response, error) {
	q := url.Values{}
	if opts.Source != "" {
		q.Set("source", string(opts.Source))
	}
	switch {
	case lastID != "":
	case !opts.Since.IsZero():
		q.Set("since", opts.Since.UTC().Format(time.RFC3339Nano))
	case opts.Tail != nil:
		q.Set("tail", strconv.Itoa(min(max(*opts.Tail, 0), 5000)))
	}
	cl := call{op: "stream logs of pod " + id, method: http.MethodGet, route: "GET /v2/pods/{id}/logs",
		path: "/v2/pods/" + url.PathEscape(id) + "/logs", query: q}
	connectCtx, cancelConnect := context.WithCancel(ctx)
	timer := time.AfterFunc(c.timeout, cancelConnect)
	req, err := c.newRequest(connectCtx, cl)
	if err != nil {
		timer.Stop()
		cancelConnect()
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := c.idempotent.Do(req)
	if !timer.Stop() {
		cancelConnect()
		if err == nil {
			resp.Body.Close()
		}
		return nil, fmt.Errorf("runpod %s: connect timed out after %s", cl.op, c.timeout)
	}
	if err != nil {
		cancelConnect()
		return nil, c.transportError(cl, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer cancelConnect()
		defer resp.Body.Close()
		return nil, c.problem(cl.op, resp)
	}
	// The connect context now lives as long as the body: ctx (the caller's)
	// cancels it, and closing the body releases it.
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancelConnect}
	return resp, nil
}
