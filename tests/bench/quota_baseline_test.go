package bench

import (
	"net/http"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// newBaseline is TestScale's per-pod polling baseline on the stage's
// simulator, on its own API key (baselineKey) so its 429s cost the kubelet
// nothing. It keeps the old project's manners: no pacing and no retries —
// the RateLimit headers and Retry-After are hidden from its client's rate
// gate — so at the example quota most of its GETs are answered 429, which
// the tap counts.
func (st *stage) newBaseline() *baseline {
	b := &baseline{sim: st.sim, known: map[string]bool{}, firstSeen: map[string]map[runpodapi.PodStatus]time.Time{}}
	hc := &http.Client{Transport: headerBlind{http.DefaultTransport.(*http.Transport).Clone()}}
	c, err := runpodapi.New(runpodapi.Config{BaseURL: st.url, APIKey: baselineKey, DefaultPerMinute: -1,
		MaxRetries: -1, HTTPClient: hc, Observer: func(runpodapi.CallResult) { b.requests.Add(1) }})
	if err != nil {
		st.e.t.Fatal(err)
	}
	b.client = c
	return b
}

// headerBlind drops the rate-limit headers of every response, as a client
// that never read them would.
type headerBlind struct{ base http.RoundTripper }

func (h headerBlind) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := h.base.RoundTrip(req)
	if resp != nil {
		for _, k := range []string{"RateLimit", "RateLimit-Policy", "Retry-After"} {
			resp.Header.Del(k)
		}
	}
	return resp, err
}
