package runpodapi

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// The spec's retry table, split by whether repeating the request is safe.
//
// idempotent (GET, PATCH, DELETE): retry transport errors and 5xx with
// jittered backoff; 429 waits Retry-After.
//
// once (POST create and actions): a create can fail after the pod exists, so
// only a 429 (the request was refused before any work) is repeated; a 5xx or
// a transport error goes back to the caller as an uncertain outcome.

func retryIdempotent(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if errors.Is(err, errRedirect) {
		return false, nil // a redirect is refused, not a hiccup
	}
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) &&
		!retryAfterFits(ctx, resp) {
		return false, nil // an outage announced past our deadline: report it now
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

func retryOnce(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err == nil && resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		return retryAfterFits(ctx, resp), nil
	}
	return false, nil
}

// retryAfterFits is false when the server asks us to wait past the call's
// deadline: better to hand the caller a typed 429 with RetryAfter than a
// context deadline error.
func retryAfterFits(ctx context.Context, resp *http.Response) bool {
	d, ok := retryAfter(resp.Header)
	if !ok {
		return true
	}
	deadline, has := ctx.Deadline()
	return !has || time.Now().Add(d).Before(deadline)
}

// backoff honours Retry-After on 429 and 503, else exponential with jitter
// (each wait is uniformly between half and all of min·2^attempt, capped at max).
func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header); ok {
			return d
		}
	}
	wait := lo << min(attempt, 20)
	if wait <= 0 || wait > hi {
		wait = hi
	}
	half := wait / 2
	return half + rand.N(half+1)
}
