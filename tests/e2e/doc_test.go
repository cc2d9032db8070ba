// Package e2e runs runpod-kubelet end to end: a real etcd, kube-apiserver,
// kube-scheduler and kube-controller-manager on 127.0.0.1 (tests/cluster),
// the RunPod v2 simulator in-process, and the kubelet binary as a separate
// process with the ServiceAccount and RBAC of kustomize/rbac. Every scenario
// asserts on the Kubernetes API and on the simulator's state.
//
// The suite runs only with RPK_E2E=1 (scripts/test.sh sets it), so a plain
// `go test ./...` stays fast.
package e2e
