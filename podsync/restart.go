package podsync

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// afterExit is what restartPolicy says to do with a RunPod pod that stopped.
type afterExit int

const (
	keepGoing afterExit = iota // still provisioning or running
	restart                    // start it again (with back-off)
	succeed                    // terminal: Succeeded, delete it
	fail                       // terminal: Failed, delete it
)

// backoffResetAfter is how long a pod must have run for its restart back-off
// to start again from the beginning, as the kubelet does.
const backoffResetAfter = 10 * time.Minute

func ranLongEnough(runningAt, now time.Time) bool {
	return !runningAt.IsZero() && now.Sub(runningAt) >= backoffResetAfter
}

// decideAfterExit maps a RunPod status and the pod's restartPolicy to the
// next step: Always restarts EXITED and ERROR; OnFailure restarts ERROR and
// ends EXITED as Succeeded; Never ends both.
func decideAfterExit(policy corev1.RestartPolicy, st runpodapi.PodStatus) afterExit {
	switch st {
	case runpodapi.StatusExited:
		if policy == corev1.RestartPolicyAlways || policy == "" {
			return restart
		}
		return succeed
	case runpodapi.StatusError:
		if policy == corev1.RestartPolicyNever {
			return fail
		}
		return restart
	}
	return keepGoing
}
