package runpodapi

import (
	clocktesting "k8s.io/utils/clock/testing"
	"net/http"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestParseRateLimitHeaders(t *testing.T) {
	tests := []struct {
		name       string
		policy     string
		state      string
		wantPolicy map[string]policyEntry
		wantState  map[string]stateEntry
	}{
		{
			name:   "spec example",
			policy: `"minute";q=60;w=60, "hour";q=3000;w=3600, "day";q=50000;w=86400`,
			state:  `"minute";r=0;t=12, "hour";r=2800;t=1812, "day";r=49500;t=45012`,
			wantPolicy: map[string]policyEntry{
				"minute": {60, time.Minute}, "hour": {3000, time.Hour}, "day": {50000, 24 * time.Hour},
			},
			wantState: map[string]stateEntry{
				"minute": {0, 12 * time.Second}, "hour": {2800, 1812 * time.Second}, "day": {49500, 45012 * time.Second},
			},
		},
		{name: "absent", wantPolicy: map[string]policyEntry{}, wantState: map[string]stateEntry{}},
		{name: "malformed is ignored", policy: `"minute";q=`, state: `garbage;;`,
			wantPolicy: map[string]policyEntry{}, wantState: map[string]stateEntry{}},
		{name: "missing params skip the member", policy: `"minute";q=60, "hour";q=3000;w=3600`, state: `"minute";t=3`,
			wantPolicy: map[string]policyEntry{"hour": {3000, time.Hour}}, wantState: map[string]stateEntry{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotP, gotS := parsePolicy(tt.policy), parseState(tt.state)
			if len(gotP) != len(tt.wantPolicy) || len(gotS) != len(tt.wantState) {
				t.Fatalf("policy %v state %v; want %v %v", gotP, gotS, tt.wantPolicy, tt.wantState)
			}
			for k, v := range tt.wantPolicy {
				if gotP[k] != v {
					t.Errorf("policy[%s] = %v, want %v", k, gotP[k], v)
				}
			}
			for k, v := range tt.wantState {
				if gotS[k] != v {
					t.Errorf("state[%s] = %v, want %v", k, gotS[k], v)
				}
			}
		})
	}
}

func TestRateGateObserve(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	g := newRateGate(60, clocktesting.NewFakePassiveClock(now))
	if got := g.limiter.Limit(); got != rate.Limit(1) {
		t.Fatalf("default limit = %v, want 1/s", got)
	}
	h := http.Header{}
	h.Set("RateLimit-Policy", `"minute";q=120;w=60, "hour";q=3600;w=3600`)
	h.Set("RateLimit", `"minute";r=0;t=7, "hour";r=3000;t=100`)
	g.observe(&http.Response{StatusCode: 200, Header: h})

	if got := g.limiter.Limit(); got != rate.Limit(1) {
		t.Errorf("limit = %v, want 1/s (the hour window is the tighter sustained rate)", got)
	}
	if got := g.limiter.Burst(); got != 120 {
		t.Errorf("burst = %d, want 120 (the minute window's quota)", got)
	}
	if want := now.Add(7 * time.Second); !g.pausedUntil.Equal(want) {
		t.Errorf("pausedUntil = %v, want %v (minute window exhausted)", g.pausedUntil, want)
	}
	b := g.snapshot()
	if len(b.Windows) != 2 || b.Windows[0].Name != "minute" || b.Windows[1].Remaining != 3000 {
		t.Fatalf("budget = %+v", b)
	}
	if got := b.Remaining(); got != 0 {
		t.Errorf("Remaining() = %d, want 0", got)
	}

	h429 := http.Header{}
	h429.Set("Retry-After", "30")
	g.observe(&http.Response{StatusCode: http.StatusTooManyRequests, Header: h429})
	if want := now.Add(30 * time.Second); !g.pausedUntil.Equal(want) {
		t.Errorf("after 429 pausedUntil = %v, want %v", g.pausedUntil, want)
	}
}

func TestBudgetSafeInterval(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	win := func(name string, remaining int, reset time.Duration) RateWindow {
		return RateWindow{Name: name, Remaining: remaining, Reset: now.Add(reset)}
	}
	tests := []struct {
		name    string
		windows []RateWindow
		calls   int
		want    time.Duration
	}{
		{"unknown budget", nil, 1, 0},
		{"ample minute", []RateWindow{win("minute", 60, 60*time.Second)}, 1, time.Second},
		{"two calls per round", []RateWindow{win("minute", 30, 60*time.Second)}, 2, 4 * time.Second},
		{"hour is tighter", []RateWindow{win("minute", 60, 60*time.Second), win("hour", 10, 1000*time.Second)}, 1, 100 * time.Second},
		{"exhausted waits for reset", []RateWindow{win("minute", 0, 12*time.Second)}, 1, 12 * time.Second},
		{"already reset", []RateWindow{win("minute", 0, -time.Second)}, 1, 0},
		{"zero calls counts as one", []RateWindow{win("minute", 6, 60*time.Second)}, 0, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Budget{Windows: tt.windows}.SafeInterval(now, tt.calls)
			if got != tt.want {
				t.Errorf("SafeInterval = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRetryAfterParsing(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"12", 12 * time.Second, true},
		{"0", 0, true},
		{"", 0, false},
		{"-3", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		got, ok := retryAfter(h)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.ok)
		}
	}
}
