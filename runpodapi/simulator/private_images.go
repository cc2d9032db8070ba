package simulator

import (
	"strings"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// RegistryLogin is the username and password the registry of a private
// image accepts.
type RegistryLogin struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// pullRetryBackoff is the wait between a refused pull and the next attempt.
const pullRetryBackoff = 30 * time.Second

// SetPrivateImage makes repository ("host[:port]/path", or a Docker Hub
// name like "acme/trainer") private: a pod whose image is that repository,
// with any tag or digest, pulls it only when its registry credential holds
// this username and password. It applies to pulls that begin afterwards.
func (s *Simulator) SetPrivateImage(repository, username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.private[imageRepository(repository)] = RegistryLogin{Username: username, Password: password}
}

// imageRepository is an image reference without its tag or digest, Docker
// Hub's defaults written out: "busybox:1.36" is "docker.io/library/busybox".
func imageRepository(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	host, rest, found := strings.Cut(ref, "/")
	if !found || (!strings.ContainsAny(host, ".:") && host != "localhost") {
		host, rest = "docker.io", ref
		if !strings.Contains(rest, "/") {
			rest = "library/" + rest
		}
	}
	host = strings.ToLower(host)
	if host == "index.docker.io" || host == "registry-1.docker.io" {
		host = "docker.io"
	}
	return host + "/" + rest
}

// pullDenial is the system line of a pull the registry refuses, or "" when
// p's image is public or its registry credential logs in. The lock is held.
func (s *store) pullDenial(p *pod) string {
	want, private := s.private[imageRepository(p.cfg.image)]
	if !private {
		return ""
	}
	if p.cfg.registry != nil {
		if c, ok := s.registry(*p.cfg.registry); ok && c.username == want.Username && c.password == want.Password {
			return ""
		}
	}
	return "pull access denied for " + p.cfg.image + ": unauthorized"
}

// A boot whose pull is refused never gets past the phase it began in: it
// tries again and again, each attempt a "pulling image" line and, a
// provisioning delay later, the denial; the next begins pullRetryBackoff
// after that.

func (b *boot) pullPeriod() time.Duration { return b.provision + pullRetryBackoff }

// pullEvents is how many lines the refused pulls have logged by t.
func (b *boot) pullEvents(t time.Time) int {
	if t.Before(b.at) {
		return 0
	}
	k := t.Sub(b.at) / b.pullPeriod()
	n := 2*int(k) + 1
	if !b.at.Add(k*b.pullPeriod() + b.provision).After(t) {
		n++
	}
	return n
}

// pullEvent is the j-th line (0-based) of the refused pulls.
func (b *boot) pullEvent(j int) logEvent {
	start := b.at.Add(time.Duration(j/2) * b.pullPeriod())
	e := logEvent{ts: start, source: runpodapi.LogSourceSystem, line: "pulling image " + b.image}
	if j%2 == 1 {
		e.ts, e.line = start.Add(b.provision), b.denied
	}
	return e
}
