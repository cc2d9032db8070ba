package runpodapi

import (
	"math"
	"net/http"
	"testing"
	"time"
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

func TestBudgetSustainableRate(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	win := func(name string, quota int, length time.Duration, remaining int, reset time.Duration) RateWindow {
		return RateWindow{Name: name, Quota: quota, Length: length, Remaining: remaining, Reset: now.Add(reset)}
	}
	example := func(minute, hour, day int, minuteLeft, hourLeft, dayLeft time.Duration) []RateWindow {
		return []RateWindow{win("minute", 60, time.Minute, minute, minuteLeft), win("hour", 3000, time.Hour, hour, hourLeft),
			win("day", 50000, 24*time.Hour, day, dayLeft)}
	}
	tests := []struct {
		name    string
		windows []RateWindow
		want    float64 // per second
		ok      bool
	}{
		{"unknown budget", nil, 0, false},
		{"fresh example quota at the start of a day: the day binds", example(60, 3000, 50000, time.Minute, time.Hour, 24*time.Hour), 50000.0 / 86400, true},
		{"late in the day what is left may go faster, never past the minute's quota", example(60, 3000, 50000, time.Minute, 30*time.Minute, time.Hour), 1, true},
		{"another client drained the hour", example(60, 300, 50000, time.Minute, 30*time.Minute, time.Hour), 300.0 / 1800, true},
		{"what a burst left of the minute is no rate: it comes back at the reset", example(2, 3000, 50000, 50*time.Second, 30*time.Minute, time.Hour), 1, true},
		{"a reset window counts at its quota", example(0, 3000, 50000, -time.Second, 30*time.Minute, time.Hour), 1, true},
		{"headers without a policy", []RateWindow{win("minute", 0, 0, 30, 60*time.Second)}, 0.5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Budget{Windows: tt.windows}.SustainableRate(now)
			if ok != tt.ok || math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("SustainableRate = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
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
