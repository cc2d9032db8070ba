package runpodapi

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// gatedTransport waits for the rate gate before every attempt (retries
// included) and feeds every response's rate-limit headers back into it.
type gatedTransport struct {
	base    http.RoundTripper
	gate    *rateGate
	observe func(CallResult)
}

func (t *gatedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !takeAdmission(req.Context()) {
		if err := t.gate.wait(req.Context()); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	if t.observe != nil {
		r := CallResult{Route: routeOf(req.Context()), Duration: time.Since(start)}
		if resp != nil {
			r.Status = resp.StatusCode
		}
		t.observe(r)
	}
	if resp != nil {
		t.gate.observe(resp)
	}
	return resp, err
}

func transportOf(hc *http.Client) http.RoundTripper {
	if hc.Transport != nil {
		return hc.Transport
	}
	// A private pool, so nothing else in the process shares or closes our connections.
	return http.DefaultTransport.(*http.Transport).Clone()
}

type admittedKey struct{}

// withAdmitted says the call's first attempt already passed the rate gate;
// its retries pass it again.
func withAdmitted(ctx context.Context) context.Context {
	flag := &atomic.Bool{}
	flag.Store(true)
	return context.WithValue(ctx, admittedKey{}, flag)
}

func takeAdmission(ctx context.Context) bool {
	flag, _ := ctx.Value(admittedKey{}).(*atomic.Bool)
	return flag != nil && flag.CompareAndSwap(true, false)
}

type routeKey struct{}

func withRoute(ctx context.Context, route string) context.Context {
	return context.WithValue(ctx, routeKey{}, route)
}

func routeOf(ctx context.Context) string {
	r, _ := ctx.Value(routeKey{}).(string)
	return r
}

// cancelOnClose releases a request's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
