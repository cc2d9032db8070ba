// Package cluster gives end-to-end tests a real local Kubernetes control
// plane: etcd, kube-apiserver (Node,RBAC authorization and NodeRestriction),
// kube-scheduler and kube-controller-manager on 127.0.0.1, started by
// scripts/controlplane.sh from binaries built by scripts/controlplane-build.sh.
//
// It owns only the processes and the state directory it starts; it never runs
// a kubelet (runpod-kubelet is the node under test) and never touches a
// control plane it did not start, except one named by RPK_STATE_DIR, which it
// reuses and leaves running.
package cluster
