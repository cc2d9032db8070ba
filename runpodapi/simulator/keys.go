package simulator

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// apiKeys are the bearer keys accepted beside Options.APIKey. They share the
// account (pods, secrets, registries) and each has a quota of its own, as
// the live API counts quota per key.
type apiKeys struct {
	mu   sync.Mutex
	keys []string
}

// AddAPIKey makes the simulator accept key as well as Options.APIKey; its
// requests are counted against a quota of their own. Adding a key twice is a no-op.
func (s *Simulator) AddAPIKey(key string) {
	if key == "" {
		panic("simulator: AddAPIKey of an empty key")
	}
	s.keys.mu.Lock()
	defer s.keys.mu.Unlock()
	for _, k := range s.keys.keys {
		if k == key {
			return
		}
	}
	s.keys.keys = append(s.keys.keys, key)
}

// accepts reports whether token is one of the simulator's keys, comparing in
// constant time so a wrong key's answer says nothing about the right one.
func (s *Simulator) accepts(token string) bool {
	ok := subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.APIKey)) == 1
	s.keys.mu.Lock()
	defer s.keys.mu.Unlock()
	for _, k := range s.keys.keys {
		ok = subtle.ConstantTimeCompare([]byte(token), []byte(k)) == 1 || ok
	}
	return ok
}

// bearerKey is the key an authorized request presented.
func bearerKey(r *http.Request) string {
	_, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.TrimSpace(token)
}

// SetQuota replaces the quota of every key at once, as if the account's plan
// changed; counting starts afresh in every window (a window's requests so far
// are forgotten), so a test can set up at a raised quota and then measure at
// the one it means. Requests in flight finish under the old quota.
func (s *Simulator) SetQuota(q Quota) {
	s.limiter.Store(newRateLimiter(q))
}

// QuotaWindows is key's state in each enabled window now: quota, length,
// requests left and when the window resets (what the RateLimit headers of
// its next response would say, at full precision). It is empty when the
// quota is disabled.
func (s *Simulator) QuotaWindows(key string) []runpodapi.RateWindow {
	rl := s.limiter.Load()
	now := s.now()
	rl.mu.Lock()
	defer rl.mu.Unlock()
	use := rl.current(key, now)
	out := make([]runpodapi.RateWindow, len(rl.windows))
	for i, w := range rl.windows {
		out[i] = runpodapi.RateWindow{Name: w.name, Quota: w.quota, Length: w.size,
			Remaining: max(w.quota-use[i].count, 0), Reset: use[i].start.Add(w.size)}
	}
	return out
}
