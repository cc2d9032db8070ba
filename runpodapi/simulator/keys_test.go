package simulator

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestAddedKeyHasItsOwnQuota(t *testing.T) {
	sim, clock := newTestSim(t, func(o *Options) { o.Quota = Quota{Minute: 2} })
	clock.Step(30 * time.Second)
	const other = "rpa_other_key"
	other401 := callWith(t, sim, http.MethodGet, "/v2/pods", nil, map[string]string{"Authorization": "Bearer " + other})
	wantStatus(t, other401, 401)
	sim.AddAPIKey(other)
	sim.AddAPIKey(other) // a no-op
	for range 2 {
		wantStatus(t, call(t, sim, http.MethodGet, "/v2/pods", nil), 200)
	}
	problemOf(t, call(t, sim, http.MethodGet, "/v2/pods", nil), 429)
	withOther := map[string]string{"Authorization": "Bearer " + other}
	for range 2 {
		wantStatus(t, callWith(t, sim, http.MethodGet, "/v2/pods", nil, withOther), 200)
	}
	problemOf(t, callWith(t, sim, http.MethodGet, "/v2/pods", nil, withOther), 429)

	w := sim.QuotaWindows(testKey)
	if len(w) != 1 || w[0].Name != "minute" || w[0].Quota != 2 || w[0].Remaining != 0 || w[0].Length != time.Minute ||
		!w[0].Reset.Equal(clock.Now().Truncate(time.Minute).Add(time.Minute)) {
		t.Fatalf("QuotaWindows = %+v", w)
	}
}

func TestSetQuotaStartsCountingAfresh(t *testing.T) {
	sim, _ := newTestSim(t, func(o *Options) { o.Quota = Quota{Minute: 1} })
	wantStatus(t, call(t, sim, http.MethodGet, "/v2/pods", nil), 200)
	problemOf(t, call(t, sim, http.MethodGet, "/v2/pods", nil), 429)
	sim.SetQuota(Quota{Minute: 3, Hour: 10})
	for range 3 {
		wantStatus(t, call(t, sim, http.MethodGet, "/v2/pods", nil), 200)
	}
	problemOf(t, call(t, sim, http.MethodGet, "/v2/pods", nil), 429)
	if w := sim.QuotaWindows(testKey); len(w) != 2 || w[1].Name != "hour" || w[1].Remaining != 7 {
		t.Fatalf("QuotaWindows after SetQuota = %+v", w)
	}
	sim.SetQuota(Quota{})
	if w := sim.QuotaWindows(testKey); len(w) != 0 {
		t.Fatalf("QuotaWindows with the quota off = %+v", w)
	}
	wantStatus(t, call(t, sim, http.MethodGet, "/v2/pods", nil), 200)
}

// SetQuota while requests are admitted is race-free (go test -race).
func TestSetQuotaConcurrent(t *testing.T) {
	sim, _ := newTestSim(t, func(o *Options) { o.Quota = Quota{Minute: 1000} })
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				call(t, sim, http.MethodGet, "/v2/catalog/cpus", nil)
			}
		})
	}
	for i := range 50 {
		sim.SetQuota(Quota{Minute: 1000 + i})
		sim.QuotaWindows(testKey)
	}
	wg.Wait()
}
