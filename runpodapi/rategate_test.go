package runpodapi

import (
	"context"
	"net/http"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

var gateNow = time.Date(2026, 11, 26, 12, 0, 30, 0, time.UTC)

func minuteWindow(quota, remaining, statusUsed int) gateWindow {
	return gateWindow{RateWindow: RateWindow{Name: "minute", Quota: quota, Length: time.Minute, Remaining: remaining,
		Reset: gateNow.Add(30 * time.Second), StatusUsed: statusUsed}}
}

func TestRateGateAdmit(t *testing.T) {
	reset := gateNow.Add(30 * time.Second)
	tests := []struct {
		name           string
		prio           priority
		window         gateWindow // quota 20: status floor 1, cap 8 (transition reads 10)
		workWaiting    int
		statusWaiting  int
		transitWaiting int
		paused         bool
		workHeld       time.Duration // before gateNow; 0: never
		ok             bool
		wake           time.Time
	}{
		{"work takes the last request when no status read waits", priorityWork, minuteWindow(20, 1, 0), 0, 0, 0, false, 0, true, time.Time{}},
		{"work leaves a waiting status read its floor", priorityWork, minuteWindow(20, 1, 0), 0, 1, 0, false, 0, false, reset},
		{"work leaves a waiting transition read its floor", priorityWork, minuteWindow(20, 1, 0), 0, 0, 1, false, 0, false, reset},
		{"once status had its floor, work takes the rest", priorityWork, minuteWindow(20, 1, 1), 0, 1, 0, false, 0, true, time.Time{}},
		{"an exhausted window holds everything until its reset", priorityWork, minuteWindow(20, 0, 0), 0, 0, 0, false, 0, false, reset},
		{"status gets its floor while work waits", priorityStatus, minuteWindow(20, 5, 0), 1, 0, 0, false, 0, true, time.Time{}},
		{"beyond its floor status waits for the others", priorityStatus, minuteWindow(20, 5, 1), 1, 0, 0, false, 0, false, time.Time{}},
		{"beyond its floor a transition read waits for the others", priorityTransit, minuteWindow(20, 5, 1), 1, 0, 0, false, 0, false, time.Time{}},
		{"status alone may use up to 40 % of the window", priorityStatus, minuteWindow(20, 13, 7), 0, 0, 0, false, 0, true, time.Time{}},
		{"never more than that", priorityStatus, minuteWindow(20, 12, 8), 0, 0, 0, false, 0, false, reset},
		{"a transition read may use up to 50 % of the window", priorityTransit, minuteWindow(20, 12, 9), 0, 0, 0, false, 0, true, time.Time{}},
		{"nor a transition read more than that", priorityTransit, minuteWindow(20, 11, 10), 0, 0, 0, false, 0, false, reset},
		{"a waiting transition read goes before the next page", priorityStatus, minuteWindow(20, 15, 2), 0, 0, 1, false, 0, false, time.Time{}},
		{"beyond its floor status waits while a burst of creates goes on", priorityStatus, minuteWindow(20, 5, 1), 0, 0, 0, false, 200 * time.Millisecond, false, gateNow.Add(800 * time.Millisecond)},
		{"and a transition read too", priorityTransit, minuteWindow(20, 5, 1), 0, 0, 0, false, 200 * time.Millisecond, false, gateNow.Add(800 * time.Millisecond)},
		{"status still gets its floor then", priorityStatus, minuteWindow(20, 5, 0), 0, 0, 0, false, 200 * time.Millisecond, true, time.Time{}},
		{"a second after the last held create, status may use its share", priorityStatus, minuteWindow(20, 5, 1), 0, 0, 0, false, time.Second, true, time.Time{}},
		{"a 429's Retry-After holds everything", priorityWork, minuteWindow(20, 10, 0), 0, 0, 0, true, 0, false, gateNow.Add(5 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newRateGate(60, clocktesting.NewFakePassiveClock(gateNow))
			g.windows = []gateWindow{tt.window}
			g.waiting = [priorities]int{tt.workWaiting, tt.transitWaiting, tt.statusWaiting}
			if tt.paused {
				g.pausedUntil = gateNow.Add(5 * time.Second)
			}
			if tt.workHeld > 0 {
				g.workHeld = gateNow.Add(-tt.workHeld)
			}
			wake, ok := g.admit(tt.prio, gateNow)
			if ok != tt.ok || !wake.Equal(tt.wake) {
				t.Fatalf("admit = %v, %v; want %v, %v", wake, ok, tt.wake, tt.ok)
			}
			w := g.windows[0]
			if ok && (w.Remaining != tt.window.Remaining-1 || (tt.prio != priorityWork) != (w.StatusUsed == tt.window.StatusUsed+1)) {
				t.Errorf("after admission: remaining %d, status used %d", w.Remaining, w.StatusUsed)
			}
			if !ok && w.Remaining != tt.window.Remaining {
				t.Errorf("a refused request was counted: remaining %d", w.Remaining)
			}
		})
	}
}

func TestGateWindowMerge(t *testing.T) {
	tests := []struct {
		name      string
		remaining int
		reset     time.Duration // from gateNow; the gate counts 10 left, reset in 30s
		want      int
		wantReset time.Duration
	}{
		{"same window: the lower count wins (another client)", 4, 31 * time.Second, 4, 31 * time.Second},
		{"same window: our in-flight requests are already counted", 15, 30 * time.Second, 10, 30 * time.Second},
		{"the next window", 59, 90 * time.Second, 59, 90 * time.Second},
		{"an answer from before the window rolled", 0, -20 * time.Second, 10, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := minuteWindow(60, 10, 2)
			w.merge(tt.remaining, gateNow.Add(tt.reset))
			if w.Remaining != tt.want || !w.Reset.Equal(gateNow.Add(tt.wantReset)) {
				t.Errorf("merged: remaining %d reset %v; want %d %v", w.Remaining, w.Reset.Sub(gateNow), tt.want, tt.wantReset)
			}
		})
	}
}

func TestRateGateObserveAndRoll(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(gateNow)
	g := newRateGate(60, clk)
	h := http.Header{}
	h.Set("RateLimit-Policy", `"minute";q=120;w=60, "hour";q=3600;w=3600`)
	h.Set("RateLimit", `"minute";r=0;t=7, "hour";r=3000;t=100`)
	g.observe(&http.Response{StatusCode: 200, Header: h})
	b := g.snapshot()
	if len(b.Windows) != 2 || b.Windows[0].Name != "minute" || b.Windows[0].Quota != 120 || b.Windows[1].Remaining != 3000 {
		t.Fatalf("budget = %+v", b)
	}
	if got := b.Remaining(); got != 0 {
		t.Errorf("Remaining() = %d, want 0", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := g.wait(ctx); err == nil {
		t.Fatal("a request went out into an exhausted minute window")
	}
	clk.SetTime(gateNow.Add(8 * time.Second))
	if err := g.wait(context.Background()); err != nil {
		t.Fatalf("after the reset: %v", err)
	}
	b = g.snapshot()
	if b.Windows[0].Remaining != 119 || b.Windows[1].Remaining != 2999 || !b.Windows[0].Reset.Equal(gateNow.Add(67*time.Second)) {
		t.Errorf("after one request in the new window: %+v", b.Windows)
	}

	h429 := http.Header{}
	h429.Set("Retry-After", "30")
	g.observe(&http.Response{StatusCode: http.StatusTooManyRequests, Header: h429})
	if want := clk.Now().Add(30 * time.Second); !g.pausedUntil.Equal(want) {
		t.Errorf("after 429 pausedUntil = %v, want %v", g.pausedUntil, want)
	}
}

func TestRateGateServesWorkBeforeStatus(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(gateNow)
	g := newRateGate(60, clk)
	g.windows = []gateWindow{minuteWindow(20, 3, 1)} // status had its floor
	work := make(chan error, 1)
	g.mu.Lock()
	g.waiting[priorityWork]++ // a create waiting behind another window, say
	g.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := g.wait(WithStatusRead(ctx)); err == nil {
		t.Fatal("a status read passed while a create waited")
	}
	g.mu.Lock()
	g.waiting[priorityWork]--
	g.notify()
	g.mu.Unlock()
	go func() { work <- g.wait(WithStatusRead(context.Background())) }()
	select {
	case err := <-work:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the status read did not pass once nothing else waited")
	}
}

// A create held until the window's reset keeps status reads to their floor
// for a moment after it goes: the burst's next create is on its way.
func TestRateGateKeepsStatusToItsFloorRightAfterAHeldCreate(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(gateNow)
	g := newRateGate(60, clk)
	g.windows = []gateWindow{minuteWindow(20, 0, 0)}
	admitted := make(chan error, 1)
	go func() { admitted <- g.wait(context.Background()) }()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	waitFor("the create to wait", func() bool { g.mu.Lock(); defer g.mu.Unlock(); return g.waiting[priorityWork] == 1 })
	reset := gateNow.Add(30 * time.Second)
	clk.SetTime(reset)
	g.mu.Lock()
	g.notify()
	g.mu.Unlock()
	if err := <-admitted; err != nil {
		t.Fatal(err)
	}
	if err := g.wait(WithStatusRead(context.Background())); err != nil {
		t.Fatalf("the status floor: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := g.wait(WithStatusRead(ctx)); err == nil {
		t.Fatal("a status read beyond its floor went out right after a held create")
	}
	clk.SetTime(reset.Add(contendedFor))
	if err := g.wait(WithStatusRead(context.Background())); err != nil {
		t.Fatalf("a second later: %v", err)
	}
}
