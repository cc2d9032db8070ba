package simulator

import (
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// clientSim is a simulator on a loopback port with a fake clock, and the
// real client pointed at it (no pacing, no retries).
func clientSim(t testing.TB, mod func(*Options)) (*Server, *fakeClock, *runpodapi.Client) {
	t.Helper()
	clock := newFakeClock()
	opts := testOptions(clock)
	if mod != nil {
		mod(&opts)
	}
	srv := NewServer(opts)
	t.Cleanup(srv.Close)
	c, err := runpodapi.New(runpodapi.Config{BaseURL: srv.URL, APIKey: testKey, DefaultPerMinute: -1, MaxRetries: -1, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return srv, clock, c
}

// mustRegistry stores a registry credential and returns its id.
func mustRegistry(t testing.TB, sim *Simulator, name, username, password string) string {
	t.Helper()
	rec := call(t, sim, "POST", "/v2/registries", runpodapi.CreateRegistryRequest{Name: name, Username: username, Password: password})
	wantStatus(t, rec, 201)
	return decode[runpodapi.Registry](t, rec).ID
}

// mustSecret stores an account secret and returns its id.
func mustSecret(t testing.TB, sim *Simulator, name, value string) string {
	t.Helper()
	rec := call(t, sim, "POST", "/v2/account/secrets", runpodapi.CreateAccountSecretRequest{Name: name, Value: value})
	wantStatus(t, rec, 201)
	return decode[runpodapi.AccountSecret](t, rec).ID
}
