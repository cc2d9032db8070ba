package bench

import (
	"fmt"
	"syscall"
	"time"
)

const (
	handovers = 3 // SIGTERM of the leader with a standby waiting
	takeovers = 2 // kill -9 of the leader with a standby waiting
)

// highAvailability replaces the leader several times with pods on the node:
// a graceful handover (SIGTERM: the leader stops its controllers and
// releases the Lease) and a takeover (kill -9: the standby waits for the
// Lease to expire, LEASE_DURATION 15 s by default). Each time it measures
// when the standby holds the Lease and when it reconciles again.
func (e *env) highAvailability(leader *kubelet, res *results, pods int) {
	res.haPods = pods
	posts0 := e.sim.Counters()["POST /v2/pods"]
	for i := range handovers + takeovers {
		standby := e.startKubelet(fmt.Sprintf("bench-h%d", i))
		e.waitLog(standby, "standing by", 90*time.Second)
		start := time.Now()
		if i < handovers {
			exited := make(chan time.Time, 1)
			go func(old *kubelet) {
				old.Stop(syscall.SIGTERM, 30*time.Second)
				exited <- time.Now()
			}(leader)
			res.handover = append(res.handover, e.waitHolder(standby.Name, time.Minute).Sub(start))
			res.handoverReconciling = append(res.handoverReconciling, e.waitLog(standby, "node ready; reconciling", 2*time.Minute).Sub(start))
			res.stopTook = append(res.stopTook, (<-exited).Sub(start))
		} else {
			leader.Stop(syscall.SIGKILL, 5*time.Second) // returns once the process is gone
			res.takeover = append(res.takeover, e.waitHolder(standby.Name, 2*time.Minute).Sub(start))
			res.takeoverReconciling = append(res.takeoverReconciling, e.waitLog(standby, "node ready; reconciling", 2*time.Minute).Sub(start))
		}
		e.t.Logf("HA %d: %s → %s", i, leader.Name, standby.Name)
		leader = standby
	}
	res.haCreates = e.sim.Counters()["POST /v2/pods"] - posts0
}
