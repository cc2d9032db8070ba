package runpodapi

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors callers branch on with errors.Is. An *APIError matches the
// sentinel of its class.
var (
	ErrNotFound            = errors.New("runpod: not found")              // 404
	ErrInvalid             = errors.New("runpod: invalid request")        // 422
	ErrRejected            = errors.New("runpod: rejected")               // 400: rule broken or no capacity
	ErrInsufficientBalance = errors.New("runpod: insufficient balance")   // 402
	ErrForbidden           = errors.New("runpod: forbidden")              // 403
	ErrRateLimited         = errors.New("runpod: rate limited")           // 429
	ErrConflict            = errors.New("runpod: conflict")               // 409
	ErrTransient           = errors.New("runpod: transient failure")      // 5xx, transport
	ErrUnauthorized        = errors.New("runpod: unauthorized")           // 401
	ErrCreateUncertain     = errors.New("runpod: create outcome unknown") // create got 5xx or no answer
	ErrTooLarge            = errors.New("runpod: request too large")      // 413: body over MaxRequestBytes
	ErrLocked              = errors.New("runpod: pod is locked")          // 400 "Pod is locked" (also ErrRejected)
)

// APIError is a RunPod problem+json response, or a transport failure, of one call.
type APIError struct {
	Op         string        // what was being done, e.g. "create pod"
	Status     int           // HTTP status; 0 for transport errors
	Title      string        // problem title
	Detail     string        // problem detail
	Errors     []string      // validation failures (422)
	RetryAfter time.Duration // from Retry-After, on 429
	Err        error         // transport error, when Status is 0
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("runpod ")
	b.WriteString(e.Op)
	if e.Status == 0 {
		fmt.Fprintf(&b, ": %v", e.Err)
		return b.String()
	}
	fmt.Fprintf(&b, ": %d %s", e.Status, e.Title)
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if len(e.Errors) > 0 {
		b.WriteString(" [")
		b.WriteString(strings.Join(e.Errors, "; "))
		b.WriteString("]")
	}
	return b.String()
}

// Unwrap exposes the class sentinel and, for transport failures, the cause.
func (e *APIError) Unwrap() []error {
	errs := []error{e.class()}
	if e.Status == 400 && strings.EqualFold(strings.TrimSpace(e.Detail), "Pod is locked") {
		errs = append(errs, ErrLocked)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func (e *APIError) class() error {
	switch {
	case e.Status == 0 || e.Status >= 500:
		return ErrTransient
	case e.Status == 400:
		return ErrRejected
	case e.Status == 401:
		return ErrUnauthorized
	case e.Status == 402:
		return ErrInsufficientBalance
	case e.Status == 403:
		return ErrForbidden
	case e.Status == 404:
		return ErrNotFound
	case e.Status == 409:
		return ErrConflict
	case e.Status == 413:
		return ErrTooLarge
	case e.Status == 422:
		return ErrInvalid
	case e.Status == 429:
		return ErrRateLimited
	}
	return fmt.Errorf("runpod: unexpected status %d", e.Status)
}

// CreateUncertainError says a create may or may not have made a pod: the
// server answered 5xx, or the connection failed after the request was sent.
// The caller must look the pod up by name before trying again.
type CreateUncertainError struct {
	Name string    // the pod name that was asked for
	Err  *APIError // what the call saw
}

func (e *CreateUncertainError) Error() string {
	return fmt.Sprintf("create RunPod pod %q: outcome unknown, look it up by name before retrying: %v", e.Name, e.Err)
}

// Unwrap lets errors.Is see ErrCreateUncertain and the underlying class.
func (e *CreateUncertainError) Unwrap() []error { return []error{ErrCreateUncertain, e.Err} }
