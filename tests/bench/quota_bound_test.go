package bench

import (
	"math"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// quotaWindow is one fixed rate-limit window as it stood at the first
// create: its length, quota, requests left and the time to its reset.
type quotaWindow struct {
	length           time.Duration
	quota, remaining int
	reset            time.Duration // from the first create
}

// windowsAt converts the simulator's windows of a key to offsets from at.
func windowsAt(ws []runpodapi.RateWindow, at time.Time) []quotaWindow {
	out := make([]quotaWindow, 0, len(ws))
	for _, w := range ws {
		out = append(out, quotaWindow{length: w.Length, quota: w.Quota, remaining: w.Remaining, reset: w.Reset.Sub(at)})
	}
	return out
}

// quotaBound is the quota-bound minimum of a burst: the shortest time from
// the first create in which the fixed windows admit creates requests, then,
// once the last pod has provisioned, the pages of the listing that shows it
// RUNNING. Requests are taken as instantaneous and sent the moment a window
// has room, so no client can do better.
func quotaBound(ws []quotaWindow, creates, pages int, provisioning time.Duration) time.Duration {
	var live []quotaWindow
	for _, w := range ws {
		if w.quota > 0 && w.length > 0 {
			live = append(live, w)
		}
	}
	lastCreate := admitAll(live, creates, 0)
	return admitAll(live, pages, lastCreate+provisioning)
}

// admitAll sends n requests from time from on, as early as the windows
// (updated in place) allow, and returns when the last one was admitted.
func admitAll(ws []quotaWindow, n int, from time.Duration) time.Duration {
	t := from
	for n > 0 {
		for i := range ws {
			for ws[i].reset <= t {
				ws[i].remaining, ws[i].reset = ws[i].quota, ws[i].reset+ws[i].length
			}
		}
		room := math.MaxInt
		for _, w := range ws {
			room = min(room, w.remaining)
		}
		take := min(room, n)
		for i := range ws {
			ws[i].remaining -= take
		}
		if n -= take; n == 0 {
			break
		}
		next := time.Duration(math.MaxInt64)
		for _, w := range ws {
			if w.remaining == 0 {
				next = min(next, w.reset)
			}
		}
		t = next
	}
	return t
}

func TestQuotaBound(t *testing.T) {
	const prov = 5 * time.Second
	fresh := func(reset time.Duration) []quotaWindow { // the example quota, nothing used yet
		return []quotaWindow{
			{time.Minute, 60, 60, reset},
			{time.Hour, 3000, 3000, 30*time.Minute + reset},
			{24 * time.Hour, 50000, 50000, 10*time.Hour + reset},
		}
	}
	for _, tc := range []struct {
		name           string
		ws             []quotaWindow
		creates, pages int
		want           time.Duration
	}{
		{"100 at a minute's start: 60 now, 40 a minute later, one page", fresh(time.Minute), 100, 1, 65 * time.Second},
		{"500 at a minute's start: nine minutes of creates, five pages", fresh(time.Minute), 500, 5, 485 * time.Second},
		{"500 in mid-minute", fresh(30 * time.Second), 500, 5, 455 * time.Second},
		{"few left: 10 now, 60 at the reset, 30 a minute later",
			[]quotaWindow{{time.Minute, 60, 10, 15 * time.Second}}, 100, 1, 80 * time.Second},
		{"the pages wait for the next minute",
			[]quotaWindow{{time.Minute, 60, 60, time.Minute}}, 60, 3, time.Minute},
		{"the hour binds",
			[]quotaWindow{{time.Minute, 60, 60, time.Minute}, {time.Hour, 3000, 50, 10 * time.Minute}}, 100, 1, 605 * time.Second},
		{"no quota: provisioning only", nil, 500, 5, prov},
		{"a disabled window is ignored", []quotaWindow{{time.Minute, 0, 0, time.Minute}}, 10, 1, prov},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := quotaBound(tc.ws, tc.creates, tc.pages, prov); got != tc.want {
				t.Errorf("quotaBound = %s, want %s", got, tc.want)
			}
		})
	}
}
