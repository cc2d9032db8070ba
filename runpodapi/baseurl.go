package runpodapi

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ParseBaseURL checks a RunPod API server address: an absolute https URL, or
// plain http only to a loopback host (the simulator, a local proxy), so the
// API key never crosses a network in the clear.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%q is plain http to a host that is not loopback: the API key would travel in the clear; use https", raw)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// errRedirect refuses every redirect: following one would send the API key
// (or a create) to an address nobody configured.
var errRedirect = errors.New("the answer is a redirect; runpod-kubelet never follows one, so the API key goes only to RUNPOD_API_URL")

func refuseRedirect(req *http.Request, _ []*http.Request) error {
	return fmt.Errorf("%w (to %s)", errRedirect, req.URL.Redacted())
}

// MaxRequestBytes is the largest request body RunPod accepts (413 above it,
// before authentication; a template's settings count too).
const MaxRequestBytes = 102400
