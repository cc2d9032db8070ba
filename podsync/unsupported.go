package podsync

import (
	"context"
	"io"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
)

// RunPod v2 offers no exec, attach or port-forward: these answer clearly
// instead of hanging.

// RunInContainer is not possible on RunPod (no exec API).
func (p *Provider) RunInContainer(context.Context, string, string, string, []string, api.AttachIO) error {
	return errdefs.InvalidInput("kubectl exec is not supported: RunPod v2 has no exec API; use the pod's SSH (see runpod.io/port-mappings)")
}

// AttachToContainer is not possible on RunPod.
func (p *Provider) AttachToContainer(context.Context, string, string, string, api.AttachIO) error {
	return errdefs.InvalidInput("kubectl attach is not supported: RunPod v2 has no attach API")
}

// PortForward is not possible on RunPod; its ports are public already.
func (p *Provider) PortForward(context.Context, string, string, int32, io.ReadWriteCloser) error {
	return errdefs.InvalidInput("kubectl port-forward is not supported: use the public address in runpod.io/port-mappings")
}
