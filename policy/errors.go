package policy

import "errors"

// Sentinels callers branch on with errors.Is. Every *Error matches exactly one.
var (
	// ErrRefused: the pod as written can never be placed; retrying is useless
	// until the pod (or its Job) changes. Tell the user and stop.
	ErrRefused = errors.New("refused by runpod-kubelet placement policy")
	// ErrNoCandidates: the pod is valid but nothing in the current catalog
	// fits it (price, VRAM, stock, data centers). A later catalog may.
	ErrNoCandidates = errors.New("no RunPod placement fits the pod now")
)

// Error is a decision the policy refused, phrased for `kubectl describe pod`:
// Field names what was being decided (an annotation, a container, a port) and
// Reason says what is wrong with it and how to fix it.
type Error struct {
	Field  string // e.g. `annotation runpod.io/max-price`, `container "web"`, `port 53/UDP`
	Reason string // e.g. `"abc" is not a price in dollars per hour (e.g. 0.50)`
	Kind   error  // ErrRefused or ErrNoCandidates
}

func (e *Error) Error() string { return e.Field + ": " + e.Reason }

// Unwrap lets errors.Is(err, ErrRefused) and errors.Is(err, ErrNoCandidates) work.
func (e *Error) Unwrap() error { return e.Kind }

// refused builds an ErrRefused *Error.
func refused(field, reason string) *Error {
	return &Error{Field: field, Reason: reason, Kind: ErrRefused}
}

// noCandidates builds an ErrNoCandidates *Error.
func noCandidates(field, reason string) *Error {
	return &Error{Field: field, Reason: reason, Kind: ErrNoCandidates}
}
