package podsync

import (
	"math"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

var cadenceNow = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) // a fresh day: the day window binds

// exampleQuota is the spec's example quota, untouched, at cadenceNow.
func exampleQuota(hourLeft int) runpodapi.Budget {
	w := func(name string, quota int, length time.Duration, remaining int) runpodapi.RateWindow {
		return runpodapi.RateWindow{Name: name, Quota: quota, Length: length, Remaining: remaining, Reset: cadenceNow.Add(length)}
	}
	return runpodapi.Budget{Windows: []runpodapi.RateWindow{w("minute", 60, time.Minute, 60),
		w("hour", 3000, time.Hour, hourLeft), w("day", 50000, 24*time.Hour, 50000)}}
}

func TestCadence(t *testing.T) {
	s := Settings{ReconcileInterval: 2 * time.Second, FastInterval: time.Second}
	perSec := 0.25 * 50000 / 86400.0 // 8.68 a minute: a quarter of what the day sustains
	secs := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	near := func(t *testing.T, what string, got, want time.Duration) {
		t.Helper()
		if math.Abs(float64(got-want)) > float64(10*time.Millisecond) {
			t.Errorf("%s: wait %v, want %v", what, got, want)
		}
	}
	t.Run("without RateLimit headers the fixed intervals apply", func(t *testing.T) {
		c := newCadence(0.25)
		c.spent(cadenceNow, readFull, 1)
		r := c.next(cadenceNow.Add(500*time.Millisecond), runpodapi.Budget{}, readNeeds{pages: 1}, s)
		near(t, "steady", r.wait, 1500*time.Millisecond)
		r = c.next(cadenceNow.Add(500*time.Millisecond), runpodapi.Budget{}, readNeeds{pages: 1, transit: []string{"a"}}, s)
		if r.kind != readFull {
			t.Errorf("in transition without a budget: kind %v, want a full listing", r.kind)
		}
		near(t, "in transition", r.wait, 500*time.Millisecond)
	})
	t.Run("steady pods are listed every pages ÷ budget", func(t *testing.T) {
		c := newCadence(0.25)
		for _, pages := range []int{1, 3} {
			r := c.next(cadenceNow, exampleQuota(3000), readNeeds{pages: pages}, s)
			if pages == 1 && (r.wait != 0 || r.kind != readFull || r.transit) {
				t.Fatalf("first read: %+v, want a full listing now", r)
			}
			if pages == 1 {
				c.spent(cadenceNow, readFull, pages)
				r = c.next(cadenceNow, exampleQuota(3000), readNeeds{pages: pages}, s)
				near(t, "1 page", r.wait, secs(1/perSec))
			} else {
				near(t, "3 pages", r.wait, secs(3/perSec))
			}
		}
		if got := c.perMinute(); math.Abs(got-perSec*60) > 1e-9 {
			t.Errorf("perMinute = %v, want %v", got, perSec*60)
		}
	})
	t.Run("pods in transition are read every FastInterval from the reserve, by the cheaper read", func(t *testing.T) {
		c := newCadence(0.25)
		c.next(cadenceNow, exampleQuota(3000), readNeeds{pages: 5}, s)
		c.spent(cadenceNow, readFull, 5)
		r := c.next(cadenceNow.Add(200*time.Millisecond), exampleQuota(3000), readNeeds{pages: 5, transit: []string{"a", "b"}}, s)
		if r.kind != readTargeted || len(r.ids) != 2 || !r.transit {
			t.Fatalf("two of five pages' pods in transition: %+v, want targeted reads", r)
		}
		// Two requests a read: the 30 the gate lets transit reads have of the
		// minute last half of its 60 s at one read every 2 s.
		near(t, "targeted", r.wait, 1800*time.Millisecond)
		r = c.next(cadenceNow.Add(200*time.Millisecond), exampleQuota(3000), readNeeds{pages: 5, transit: []string{"a", "b", "c", "d", "e", "f"}}, s)
		if r.kind != readFull || !r.transit {
			t.Errorf("six pods in transition on five pages: %+v, want a full listing, read for them", r)
		}
		// Past half the reserve, every other second; spent, as fast as the bucket refills.
		at := cadenceNow
		for range reserveFor(perSec)/2 + 3 { // the bucket refills a little meanwhile
			at = at.Add(time.Second)
			c.spent(at, readTargeted, 1)
		}
		r = c.next(at, exampleQuota(3000), readNeeds{pages: 5, transit: []string{"a"}}, s)
		near(t, "half the reserve spent", r.wait, 2*time.Second)
		for c.bucket.TokensAt(at) >= 1 {
			at = at.Add(time.Second)
			c.spent(at, readTargeted, 1)
		}
		r = c.next(at, exampleQuota(3000), readNeeds{pages: 5, transit: []string{"a"}}, s)
		if r.wait < time.Second || r.wait > secs(1/perSec) {
			t.Errorf("reserve spent: wait %v, want between FastInterval and one token (%v)", r.wait, secs(1/perSec))
		}
	})
	t.Run("what the minute window has left lasts half the time to its reset", func(t *testing.T) {
		c := newCadence(0.25)
		b := exampleQuota(3000) // right after a burst: 17 left for the window's last 57 s
		b.Windows[0].Remaining, b.Windows[0].Reset = 17, cadenceNow.Add(57*time.Second)
		c.next(cadenceNow, b, readNeeds{pages: 5}, s)
		c.spent(cadenceNow, readFull, 5)
		starting := make([]string, 500)
		r := c.next(cadenceNow, b, readNeeds{pages: 5, transit: starting}, s)
		if r.kind != readFull || !r.transit {
			t.Fatalf("500 pods in transition on five pages: %+v, want a full listing, read for them", r)
		}
		near(t, "five pages, 17 left for 57 s", r.wait, secs(57.0/2*5/17))
	})
	t.Run("what status reads took of the window's share for them lasts half the time to its reset", func(t *testing.T) {
		c := newCadence(0.25)
		b := exampleQuota(3000) // 40 left, but status reads took 25 of the 30 the gate lets them have
		b.Windows[0].Remaining, b.Windows[0].StatusUsed, b.Windows[0].Reset = 40, 25, cadenceNow.Add(50*time.Second)
		c.next(cadenceNow, b, readNeeds{pages: 5}, s)
		c.spent(cadenceNow, readFull, 5)
		r := c.next(cadenceNow, b, readNeeds{pages: 5, transit: []string{"a"}}, s)
		near(t, "one pod, 5 reads left for 50 s", r.wait, 5*time.Second)
	})
	t.Run("a pod in transition not worth reading yet is read when it is", func(t *testing.T) {
		c := newCadence(0.25)
		c.next(cadenceNow, exampleQuota(3000), readNeeds{pages: 1}, s)
		c.spent(cadenceNow, readFull, 1)
		r := c.next(cadenceNow, exampleQuota(3000), readNeeds{pages: 1, later: cadenceNow.Add(3 * time.Second)}, s)
		near(t, "held for 3 s", r.wait, 3*time.Second)
		r = c.next(cadenceNow, runpodapi.Budget{}, readNeeds{pages: 1, later: cadenceNow.Add(1500 * time.Millisecond)}, Settings{ReconcileInterval: time.Minute, FastInterval: time.Second})
		near(t, "held for 1.5 s, budget unknown", r.wait, 1500*time.Millisecond)
	})
	t.Run("another client on the key lowers the budget", func(t *testing.T) {
		c := newCadence(0.25)
		c.next(cadenceNow, exampleQuota(300), readNeeds{pages: 1}, s) // the hour: 300 left for 60 minutes
		if want := 0.25 * 300 / 3600 * 60; math.Abs(c.perMinute()-want) > 1e-9 {
			t.Errorf("perMinute = %v, want %v", c.perMinute(), want)
		}
	})
	t.Run("when the quota shrinks, nothing saved at the old rate is spent", func(t *testing.T) {
		c := newCadence(0.25)
		raised := exampleQuota(3000)
		for i := range raised.Windows {
			raised.Windows[i].Quota *= 1000
			raised.Windows[i].Remaining *= 1000
		}
		c.next(cadenceNow, raised, readNeeds{pages: 3}, s)
		c.spent(cadenceNow, readFull, 3)
		r := c.next(cadenceNow.Add(10*time.Second), exampleQuota(3000), readNeeds{pages: 3}, s)
		near(t, "first listing at the example quota", r.wait, secs(3/perSec))
	})
	t.Run("a long wait is decided again after maxStatusWait", func(t *testing.T) {
		c := newCadence(0.25)
		c.next(cadenceNow, exampleQuota(3000), readNeeds{pages: 50}, s)
		c.spent(cadenceNow, readFull, 50)
		if r := c.next(cadenceNow, exampleQuota(3000), readNeeds{pages: 50}, s); r.wait != maxStatusWait {
			t.Errorf("50 pages just listed: wait %v, want %v", r.wait, maxStatusWait)
		}
	})
}

// Between the pages of a listing in progress, pods in transition are read
// by id only as any targeted read would be: budget known, spacing passed,
// tokens left after the listing's pages were charged.
func TestCadenceBetweenPages(t *testing.T) {
	s := Settings{ReconcileInterval: 2 * time.Second, FastInterval: time.Second}
	walking := func(pages int) *cadence { // a listing of pages begun at cadenceNow
		c := newCadence(0.25)
		c.next(cadenceNow, exampleQuota(3000), readNeeds{pages: pages}, s)
		c.spent(cadenceNow, readFull, pages)
		return c
	}
	full := exampleQuota(3000)
	tight := exampleQuota(3000) // the minute window has 6 left for its last 58 s
	tight.Windows[0].Remaining, tight.Windows[0].Reset = 6, cadenceNow.Add(60*time.Second)
	tests := []struct {
		name    string
		c       *cadence
		budget  runpodapi.Budget
		at      time.Duration
		transit int
		want    bool
	}{
		{"budget unknown", newCadence(0.25), runpodapi.Budget{}, time.Minute, 1, false},
		{"nothing in transition", walking(50), full, 2 * time.Second, 0, false},
		{"within the fast spacing of the listing's start", walking(50), full, 500 * time.Millisecond, 1, false},
		{"one pod, the reserve holds it", walking(50), full, 2 * time.Second, 1, true},
		{"more pods than the reserve holds", walking(50), full, 2 * time.Second, 40, false},
		{"the window's last requests last half its time left", walking(50), tight, 2 * time.Second, 1, false},
		{"spaced so", walking(50), tight, 5 * time.Second, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.between(cadenceNow.Add(tt.at), tt.budget, tt.transit, s); got != tt.want {
				t.Errorf("between = %v, want %v", got, tt.want)
			}
		})
	}
}
