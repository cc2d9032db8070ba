// Package runpodapi is the RunPod REST v2 client: typed values exactly as the
// v2 OpenAPI spec names them, typed errors callers branch on, retries that
// follow the spec's retry table, and a rate gate (rategate.go) that keeps
// the caller inside the advertised quota: it counts every window itself,
// serves status reads (WithStatusRead) after everything else, and reads of
// pods in transition (WithTransitionRead) before listing pages.
//
// It owns nothing about Kubernetes and keeps no state beyond the rate-limit
// budget it learns from response headers. The simulator package beside it is
// its test double: a real HTTP server that behaves like the spec.
package runpodapi
