package policy

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// Ownership env: set on every RunPod pod the plan creates. RunPod pods carry
// no labels; the name and these variables are the only markers a client
// controls, and both come back from GET /v2/pods. Users may not set variables
// under OwnershipEnvPrefix.
const (
	OwnershipEnvPrefix = "RUNPOD_KUBELET_"
	EnvClusterID       = OwnershipEnvPrefix + "CLUSTER_ID"
	EnvNodeName        = OwnershipEnvPrefix + "NODE_NAME"
	EnvPodNamespace    = OwnershipEnvPrefix + "POD_NAMESPACE"
	EnvPodName         = OwnershipEnvPrefix + "POD_NAME"
	EnvPodUID          = OwnershipEnvPrefix + "POD_UID"
)

// ownershipEnv marks a RunPod pod as the one for this Kubernetes pod.
func ownershipEnv(clusterID, nodeName string, pod *corev1.Pod) map[string]string {
	return map[string]string{
		EnvClusterID:    clusterID,
		EnvNodeName:     nodeName,
		EnvPodNamespace: pod.Namespace,
		EnvPodName:      pod.Name,
		EnvPodUID:       string(pod.UID),
	}
}

// Owned reports whether a listed RunPod pod was made by this cluster's node,
// and for which Kubernetes pod: its name must match OwnedBy and its env must
// carry the same cluster id, node name and pod UID. A garbage collector should
// delete nothing this does not claim.
func Owned(p *runpodapi.Pod, clusterID, nodeName string) (podUID string, ok bool) {
	return NewOwner(clusterID, nodeName).Owns(p)
}

// Owner is Owned for one node, with its name prefix hashed once: a round asks
// it of every listed pod, and every create of the whole listing.
type Owner struct {
	clusterID, nodeName, prefix string
}

// NewOwner is the Owner for clusterID's node; with either empty it owns nothing.
func NewOwner(clusterID, nodeName string) Owner {
	if clusterID == "" || nodeName == "" {
		return Owner{}
	}
	return Owner{clusterID: clusterID, nodeName: nodeName, prefix: namePrefix(clusterID, nodeName)}
}

// Owns is Owned(p, clusterID, nodeName).
func (o Owner) Owns(p *runpodapi.Pod) (podUID string, ok bool) {
	if o.prefix == "" {
		return "", false
	}
	uid, found := strings.CutPrefix(p.Name, o.prefix)
	if !found || !validPodUID(uid) || p.Env[EnvClusterID] != o.clusterID || p.Env[EnvNodeName] != o.nodeName || p.Env[EnvPodUID] != uid {
		return "", false
	}
	return uid, true
}
