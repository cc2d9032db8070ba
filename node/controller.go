package node

import (
	"fmt"

	vknode "github.com/virtual-kubelet/virtual-kubelet/node"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
)

// NewController is virtual-kubelet's NodeController for p, wired as nodeutil
// wires it: it registers p.Node() and renews the node Lease in
// kube-node-lease (40 s, renewed every 10 s). opts come after the lease
// option. Run it only while this process leads.
func NewController(p *Provider, client kubernetes.Interface, opts ...vknode.NodeControllerOpt) (*vknode.NodeController, error) {
	all := append([]vknode.NodeControllerOpt{
		vknode.WithNodeEnableLeaseV1(client.CoordinationV1().Leases(corev1.NamespaceNodeLease), vknode.DefaultLeaseDuration),
	}, opts...)
	nc, err := vknode.NewNodeController(p, p.Node(), client.CoreV1().Nodes(), all...)
	if err != nil {
		return nil, fmt.Errorf("create node controller: %w", err)
	}
	return nc, nil
}
