package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

var (
	err503       = &runpodapi.APIError{Op: "list pods", Status: 503, Title: "Service Unavailable"}
	errConnReset = &runpodapi.APIError{Op: "list pods", Err: errors.New("connection reset by peer")}
	err401       = &runpodapi.APIError{Op: "list pods", Status: 401, Title: "Unauthorized"}
	err404       = &runpodapi.APIError{Op: "get pod", Status: 404, Title: "Not Found"}
	err409       = &runpodapi.APIError{Op: "create pod", Status: 409, Title: "Conflict"}
	err422       = &runpodapi.APIError{Op: "create pod", Status: 422, Title: "Unprocessable Entity"}
	err400       = &runpodapi.APIError{Op: "create pod", Status: 400, Title: "Bad Request"}
	err429       = &runpodapi.APIError{Op: "list pods", Status: 429, Title: "Too Many Requests"}
	errTimeout   = fmt.Errorf("runpod list pods: %w", context.DeadlineExceeded)
	errCanceled  = fmt.Errorf("runpod list pods: %w", context.Canceled)
	errUncertain = &runpodapi.CreateUncertainError{Name: "rpk-x", Err: err503}
)

func TestIsOutage(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"503", err503, true},
		{"transport", errConnReset, true},
		{"wrapped 503", fmt.Errorf("reconcile: %w", err503), true},
		{"uncertain create", errUncertain, true},
		{"timeout", errTimeout, true},
		{"401 bad key", err401, true},
		{"404", err404, false},
		{"409", err409, false},
		{"422", err422, false},
		{"400", err400, false},
		{"429 rate limited", err429, false},
		{"canceled", errCanceled, false},
		{"unrelated", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsOutage(tt.err); got != tt.want {
				t.Errorf("IsOutage(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestHealthTracker(t *testing.T) {
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }
	type call struct {
		err error
		at  int
	}
	tests := []struct {
		name      string
		calls     []call
		want      bool // reachable
		wantSince int  // seconds after base; -1 = zero time
		wantErr   string
		wantFails int
	}{
		{"no calls", nil, true, -1, "", 0},
		{"successes", []call{{nil, 0}, {nil, 5}}, true, -1, "", 0},
		{"two failures are a blip", []call{{err503, 0}, {errConnReset, 5}}, true, -1, errConnReset.Error(), 2},
		{"three failures are an outage", []call{{err503, 0}, {err503, 5}, {errTimeout, 10}},
			false, 0, errTimeout.Error(), 3},
		{"a failure run older than 30s is an outage", []call{{err503, 0}, {err503, 30}},
			false, 0, err503.Error(), 2},
		{"a success breaks the run", []call{{err503, 0}, {err503, 5}, {nil, 6}, {err503, 7}, {err503, 8}},
			true, -1, err503.Error(), 2},
		{"a 4xx answer breaks the run", []call{{err503, 0}, {err503, 5}, {err404, 6}, {err503, 7}},
			true, -1, err503.Error(), 1},
		{"rate limited is reachable", []call{{err429, 0}, {err429, 1}, {err429, 2}, {err429, 3}}, true, -1, "", 0},
		{"4xx answers are reachable", []call{{err400, 0}, {err409, 1}, {err422, 2}, {err404, 3}}, true, -1, "", 0},
		{"bad key is an outage", []call{{err401, 0}, {err401, 1}, {err401, 2}}, false, 0, err401.Error(), 3},
		{"cancellation is ignored", []call{{err503, 0}, {err503, 1}, {errCanceled, 2}, {errCanceled, 3}},
			true, -1, err503.Error(), 2},
		{"recovery", []call{{err503, 0}, {err503, 1}, {err503, 2}, {err503, 3}, {nil, 40}}, true, 40, "", 0},
		{"relapse keeps the first failure as since", []call{
			{err503, 0}, {err503, 1}, {err503, 2}, {nil, 40}, {err503, 50}, {err503, 51}, {errConnReset, 52}},
			false, 50, errConnReset.Error(), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tr HealthTracker
			for _, c := range tt.calls {
				tr.Observe(c.err, at(c.at))
			}
			h := tr.Health()
			wantSince := time.Time{}
			if tt.wantSince >= 0 {
				wantSince = at(tt.wantSince)
			}
			if h.Reachable != tt.want || !h.Since.Equal(wantSince) || h.LastError != tt.wantErr || h.Failures != tt.wantFails {
				t.Errorf("got %+v, want reachable=%v since=%v lastError=%q failures=%d",
					h, tt.want, wantSince, tt.wantErr, tt.wantFails)
			}
		})
	}
}

func TestHealthTrackerConcurrent(t *testing.T) {
	var tr HealthTracker
	var wg sync.WaitGroup
	now := time.Now()
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				var err error
				if (i+j)%2 == 0 {
					err = err503
				}
				tr.Observe(err, now.Add(time.Duration(j)*time.Millisecond))
				_ = tr.Health()
			}
		})
	}
	wg.Wait()
	tr.Observe(nil, now.Add(time.Second))
	if h := tr.Health(); !h.Reachable || h.Failures != 0 {
		t.Errorf("after a success: %+v", h)
	}
}
