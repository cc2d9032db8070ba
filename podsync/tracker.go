package podsync

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// tracked is the cache entry of one Kubernetes pod. Everything in it can be
// rebuilt from the pod (annotations, status) and one RunPod list.
type tracked struct {
	pod       *corev1.Pod    // latest pod from virtual-kubelet (env resolved)
	container string         // the container RunPod runs
	runpodID  string         // "" until created or adopted; always an id proven ours
	claim     string         // a runpod.io/pod-id not proven ours yet: never acted on
	runpod    *runpodapi.Pod // latest view from a list
	seenAt    time.Time      // when the read that last showed runpod was asked: an older one is stale
	createdAt time.Time      // when this term created or first saw its RunPod pod
	// provisioning is set when this term's create made the RunPod pod, until a
	// read shows it RUNNING: its reads wait for the shortest start seen (provisioning.go).
	provisioning bool
	waiting   *WaitingReason // why it is held back, if it is
	rejected  *policy.Rejection
	// missingSince is the first complete listing that lacked the RunPod pod
	// (zero while it is seen); gone is set once GET /v2/pods/{id} proved it gone.
	missingSince     time.Time
	gone             bool
	deadlineExceeded bool    // activeDeadlineSeconds passed
	proving          bool    // a GET /v2/pods/{id} proof is in flight
	runCost          float64 // $/h it billed while running: what a restart books
	deleted          bool    // Kubernetes deleted it; the RunPod pod is gone or going
	stopping         bool    // deleted while running: stopped, its DELETE waits for EXITED or the grace period
	lockedDelete     bool    // RunPod refused its DELETE as locked: the deletes queue retries it
	runpodDeleted    bool    // its RunPod pod was deleted (its logs are gone)
	terminal         bool    // Succeeded/Failed reported; the RunPod pod is deleted
	restarts         int32
	exit             *ExitStatus // how the last run ended, once learned
	exitReading      bool        // its log is being read for the exit status
	exitSince        time.Time   // the run whose exit is read began then
	unwrapped        string      // why it runs without the wrapper, from its plan
	noSSH            bool        // its create carried no node key (opted out, or SSH was unavailable)
	endedAt          time.Time   // when it ended for good: the retention of its RunPod pod starts
	runningAt        time.Time   // when a list first showed it RUNNING since its last start
	lastTerm         *corev1.ContainerStateTerminated
	restartQueued    bool               // its start is in the restarts queue (or being sent)
	startedAt        time.Time          // when this term last started it again
	creating         bool               // a create worker runs for it
	posted           bool               // a create request was sent: a RunPod pod may exist under its name
	reserved         float64            // $/h booked by the running create worker, or by a restart held back
	cancel           context.CancelFunc // stops the create worker
	done             chan struct{}      // closed when the create worker ends
	status           *corev1.PodStatus  // last status pushed to Kubernetes
}

func (t *tracked) uid() types.UID { return t.pod.UID }

// keepPod is the copy of a pod the tracker holds (see slim).
func keepPod(pod *corev1.Pod) *corev1.Pod { return slim(pod) }

// inTransition is true while the pod's status may change soon, so the
// reconcile loop polls at its fast interval.
func (t *tracked) inTransition() bool {
	if t.deleted {
		return t.stopping // the delete waits for a listing that shows it EXITED
	}
	if t.terminal {
		return false
	}
	if t.creating || (t.runpodID == "" && t.waiting == nil) {
		return true
	}
	if t.waiting != nil && t.waiting.Reason == ReasonRestarting {
		return true
	}
	if t.runpod == nil {
		return t.runpodID != ""
	}
	switch t.runpod.Status {
	case runpodapi.StatusProvisioning, runpodapi.StatusStarting:
		return true
	case runpodapi.StatusRunning:
		return !PortsReady(t.runpod)
	case runpodapi.StatusExited, runpodapi.StatusError:
		return !t.exitReading // its exit status is known but was not decided with it: the next read ends or restarts it
	}
	return false
}

// podCopy is the pod as GetPod reports it: the last pod seen with the last status pushed.
func (t *tracked) podCopy() *corev1.Pod {
	p := t.pod.DeepCopy()
	if t.status != nil {
		p.Status = *t.status.DeepCopy()
	}
	return p
}

// tracker is the in-memory index of tracked pods, keyed "namespace/name".
type tracker struct {
	mu   sync.Mutex
	pods map[string]*tracked
}

func newTracker() *tracker { return &tracker{pods: map[string]*tracked{}} }

// keyOf and podKey are client-go's namespace/name keys.
func keyOf(namespace, name string) string { return cache.NewObjectName(namespace, name).String() }

func podKey(p *corev1.Pod) string { return cache.MetaObjectToName(p).String() }

// with runs fn under the lock.
func (tr *tracker) with(fn func(map[string]*tracked)) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	fn(tr.pods)
}

// get returns the entry for key under the lock via fn; fn is not called when absent.
func (tr *tracker) get(key string, fn func(*tracked)) bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	t, ok := tr.pods[key]
	if ok {
		fn(t)
	}
	return ok
}

// containerOf names the container RunPod runs, falling back to the first one
// for a pod the policy refuses (its status still needs a container name).
func containerOf(pod *corev1.Pod, jobAnnotations map[string]string) string {
	if name, err := policy.RunningContainer(pod, jobAnnotations); err == nil {
		return name
	}
	if len(pod.Spec.Containers) > 0 {
		return pod.Spec.Containers[0].Name
	}
	return ""
}

// restartCountOf reads the restart count Kubernetes already shows, so a new
// term continues counting where the last one stopped.
func restartCountOf(pod *corev1.Pod, container string) int32 {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == container {
			return cs.RestartCount
		}
	}
	return 0
}
