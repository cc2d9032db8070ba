package podsync

import (
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestProvisioningReadFrom(t *testing.T) {
	created := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	started := func(d time.Duration) *runpodapi.Pod {
		at := created.Add(d)
		return &runpodapi.Pod{Status: runpodapi.StatusRunning, CreatedAt: created, StartedAt: &at}
	}
	fresh := func(status runpodapi.PodStatus) *tracked {
		return &tracked{provisioning: true, createdAt: created, runpod: &runpodapi.Pod{Status: status}}
	}
	tests := []struct {
		name   string
		starts []*runpodapi.Pod
		t      *tracked
		want   time.Duration // after created; -1: at once
	}{
		{"nothing learned yet", nil, fresh(runpodapi.StatusProvisioning), -1},
		{"the shortest start less one FastInterval", []*runpodapi.Pod{started(8 * time.Second), started(5 * time.Second), started(30 * time.Second)}, fresh(runpodapi.StatusProvisioning), 4 * time.Second},
		{"STARTING is held too", []*runpodapi.Pod{started(5 * time.Second)}, fresh(runpodapi.StatusStarting), 4 * time.Second},
		{"a start no longer than FastInterval holds nothing", []*runpodapi.Pod{started(5 * time.Second), started(time.Second)}, fresh(runpodapi.StatusProvisioning), -1},
		{"a pod seen past STARTING", []*runpodapi.Pod{started(5 * time.Second)}, fresh(runpodapi.StatusExited), -1},
		{"a pod not created by this term", []*runpodapi.Pod{started(5 * time.Second)}, &tracked{createdAt: created, runpod: &runpodapi.Pod{Status: runpodapi.StatusProvisioning}}, -1},
		{"a start without startedAt teaches nothing", []*runpodapi.Pod{{Status: runpodapi.StatusRunning, CreatedAt: created}}, fresh(runpodapi.StatusProvisioning), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pv := newProvisioning()
			for _, rp := range tt.starts {
				pv.observe(rp)
			}
			want := time.Time{}
			if tt.want >= 0 {
				want = created.Add(tt.want)
			}
			if got := pv.readFrom(tt.t, time.Second); !got.Equal(want) {
				t.Errorf("readFrom = %v, want %v", got, want)
			}
		})
	}
}

// Only the last provisioningSamples starts count: a term whose starts got
// slower reads its new pods later.
func TestProvisioningForgetsOldStarts(t *testing.T) {
	created := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	pv := newProvisioning()
	for i := range provisioningSamples + 1 {
		d := 20 * time.Second
		if i == 0 {
			d = 2 * time.Second
		}
		at := created.Add(d)
		pv.observe(&runpodapi.Pod{CreatedAt: created, StartedAt: &at})
	}
	if got := pv.shortest(); got != 20*time.Second {
		t.Errorf("shortest = %v after %d starts of 20 s, want 20s", got, provisioningSamples)
	}
}
