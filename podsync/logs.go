package podsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// maxTail is the most backfill RunPod serves; `kubectl logs` without --tail asks for all.
const maxTail = 5000

// GetContainerLogs serves `kubectl logs` from the RunPod SSE log stream:
// --tail, --since, --since-time, -f and --timestamps map onto tail, since and
// follow; --limit-bytes cuts the stream. RunPod keeps no previous container's
// logs, so --previous is refused.
func (p *Provider) GetContainerLogs(ctx context.Context, namespace, podName, containerName string, opts api.ContainerLogOpts) (io.ReadCloser, error) {
	key := keyOf(namespace, podName)
	var id, claim, container, uid string
	var gone bool
	if !p.tr.get(key, func(t *tracked) {
		id, claim, container, gone, uid = t.runpodID, t.claim, t.container, t.runpodDeleted, string(t.uid())
	}) {
		return nil, errdefs.NotFoundf("pod %s is not on this node", key)
	}
	if containerName != "" && container != "" && containerName != container {
		return nil, errdefs.InvalidInputf("container %q does not run on RunPod; only %q does", containerName, container)
	}
	if gone {
		return nil, errdefs.NotFoundf("RunPod no longer holds the logs of pod %s: its RunPod pod %s was deleted (the pod was deleted, or it ended more than EXITED_POD_RETENTION ago)", key, id)
	}
	if id == "" && claim != "" {
		return nil, errdefs.NotFoundf("pod %s: RunPod pod %s (annotation %s) is not proven to be this pod's yet; logs are served once it is", key, claim, AnnotationPodID)
	}
	if id == "" {
		return nil, errdefs.NotFoundf("pod %s has no RunPod pod yet", key)
	}
	if opts.Previous {
		return nil, errdefs.InvalidInput("RunPod keeps no logs of a previous container run")
	}
	lo := runpodapi.LogOptions{Source: runpodapi.LogSourceContainer, Follow: opts.Follow}
	switch {
	case !opts.SinceTime.IsZero():
		lo.Since = opts.SinceTime
	case opts.SinceSeconds > 0:
		lo.Since = p.now().Add(-time.Duration(opts.SinceSeconds) * time.Second)
	}
	tail := maxTail
	if opts.Tail > 0 && opts.Tail < maxTail {
		tail = opts.Tail
	}
	lo.Tail = &tail

	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	go func() {
		defer cancel()
		var w io.Writer = pw
		if opts.LimitBytes > 0 {
			w = &limitWriter{w: pw, left: opts.LimitBytes}
		}
		err := p.rp.StreamLogs(ctx, id, lo, func(l runpodapi.LogLine) error {
			if _, marker := policy.ParseExitMarker(l.Line, uid); marker {
				return nil // the wrapper's status line is runpod-kubelet's, not the command's
			}
			var err error
			if opts.Timestamps {
				_, err = fmt.Fprintf(w, "%s %s\n", l.TS.UTC().Format(time.RFC3339Nano), l.Line)
			} else {
				_, err = fmt.Fprintln(w, l.Line)
			}
			return err
		})
		if errors.Is(err, errLimitReached) || errors.Is(err, context.Canceled) {
			err = nil
		}
		pw.CloseWithError(err)
	}()
	return &cancelReader{ReadCloser: pr, cancel: cancel}, nil
}

var errLimitReached = errors.New("log byte limit reached")

type limitWriter struct {
	w    io.Writer
	left int
}

func (l *limitWriter) Write(b []byte) (int, error) {
	if l.left <= 0 {
		return 0, errLimitReached
	}
	if len(b) > l.left {
		n, err := l.w.Write(b[:l.left])
		l.left = 0
		if err == nil {
			err = errLimitReached
		}
		return n, err
	}
	n, err := l.w.Write(b)
	l.left -= n
	return n, err
}

// cancelReader stops the stream when the reader is closed (kubectl went away).
type cancelReader struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (r *cancelReader) Close() error {
	r.cancel()
	return r.ReadCloser.Close()
}
