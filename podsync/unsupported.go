package podsync

import (
	"context"
	"io"

	dto "github.com/prometheus/client_model/go"
	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
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

// GetMetricsResource reports no resource metrics yet.
func (p *Provider) GetMetricsResource(context.Context) ([]*dto.MetricFamily, error) {
	return nil, nil
}

// GetStatsSummary reports the node and pods with no usage figures yet.
func (p *Provider) GetStatsSummary(context.Context) (*statsv1alpha1.Summary, error) {
	return &statsv1alpha1.Summary{}, nil
}
