package bench

import (
	"context"
	"net/http/httptest"
	"os"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
)

const (
	baselineKey = "bench-baseline-key" // the baseline's own key: its 429s cost the kubelet nothing
	// quotaReconcile is RECONCILE_INTERVAL in the quota scenario (the
	// kubelet's coming default, set explicitly so old binaries run it too).
	quotaReconcile = "2s"
	quotaRBAC      = "rpk-bench-quota" // the extra Roles that let the ServiceAccount serve the stages' nodes
)

var (
	// exampleQuota is the RunPod v2 spec's example quota.
	exampleQuota = simulator.Quota{Minute: 60, Hour: 3000, Day: 50000}
	// setupQuota lets a steady scenario set its pods up quickly.
	setupQuota = simulator.Quota{Minute: 100000, Hour: 1000000, Day: 10000000}
)

// stage is one quota scenario's world on the shared control plane: a
// simulator of its own (page size, quota, fresh windows) behind a tap,
// virtual nodes of their own and the kubelets serving them.
type stage struct {
	e        *env
	page     int
	sim      *simulator.Server
	tap      *tap
	url      string // the tap's: every client goes through it
	kubelets []*kubelet
	nodes    []string
}

func (e *env) newStage(page int, q simulator.Quota) *stage {
	opts := simulator.DefaultOptions(simKey)
	opts.ProvisioningDelay, opts.StartingDelay = provisioningDelay, 0
	opts.Quota, opts.PageSize = q, page
	sim := simulator.NewServer(opts)
	sim.AddAPIKey(baselineKey)
	sim.SetCapacity(simulator.CPUFlavorID, "US-TX-3", 10000)
	tp := newTap(sim.Simulator)
	ts := httptest.NewServer(tp)
	st := &stage{e: e, page: page, sim: sim, tap: tp, url: ts.URL}
	e.t.Cleanup(func() { ts.Close(); sim.Close() })
	return st
}

// startKubelet runs a replica for node on key, with the quota scenario's
// settings; extra (KEY=VALUE) adds to them (CLUSTER_ID).
func (st *stage) startKubelet(node, name, key string, extra ...string) *kubelet {
	e := st.e
	k := e.runKubelet(name, key, st.url, node, append([]string{
		"RECONCILE_INTERVAL=" + quotaReconcile,
		"STATUS_BUDGET_SHARE=" + statusShare(),
	}, extra...)...)
	st.kubelets, st.nodes = append(st.kubelets, k), append(st.nodes, node)
	e.waitLog(k, "node ready; reconciling", 90*time.Second)
	return k
}

// statusShare is STATUS_BUDGET_SHARE as passed: RPK_BENCH_STATUS_SHARE, else
// the kubelet's default 0.25. Binaries that predate the setting ignore it
// (app/config.go reads only the variables it declares).
func statusShare() string {
	if v := os.Getenv("RPK_BENCH_STATUS_SHARE"); v != "" {
		return v
	}
	return "0.25"
}

// close stops the kubelets, then removes their pods (at once: nothing
// serves them any more) and nodes, so later scenarios start clean.
func (st *stage) close() {
	e, ctx := st.e, context.Background()
	for _, k := range st.kubelets {
		k.Stop(syscall.SIGTERM, 30*time.Second)
	}
	zero := int64(0)
	for _, node := range st.nodes {
		pods, err := e.kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
		if err != nil {
			e.t.Logf("list pods of %s: %v", node, err)
		}
		for _, p := range pods.Items {
			if err := e.kube.CoreV1().Pods(namespace).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil && !apierrors.IsNotFound(err) {
				e.t.Logf("delete pod %s: %v", p.Name, err)
			}
		}
		if err := e.kube.CoreV1().Nodes().Delete(ctx, node, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			e.t.Logf("delete node %s: %v", node, err)
		}
	}
}

// createPods creates the pods on node, 32 requests at a time, as
// createPods does for the stage's node what env.createPods does for TestScale's.
func (st *stage) createPods(w *podWatch, node string, names []string) {
	st.e.t.Helper()
	st.e.createPodsOf(w, names, func(name string) *corev1.Pod {
		pod := cpuPod(name)
		pod.Spec.NodeSelector[corev1.LabelHostname] = node
		return pod
	})
}

// runpodPods maps the stage's RunPod pods by Kubernetes pod name.
func (st *stage) runpodPods(w *podWatch, clusterID, node string, names []string) map[string]runpodapi.Pod {
	return runpodPodsOf(st.sim.Pods(), w, clusterID, node, names)
}

// waitFor polls cond every 100 ms until it holds (true) or timeout passes
// (false): a measurement that may miss its target without failing the run.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

// countWhere is how many of names satisfy cond per the watch.
func countWhere(w *podWatch, names []string, cond func(seen) bool) int {
	n := 0
	for _, name := range names {
		if cond(w.get(name)) {
			n++
		}
	}
	return n
}

// grantNodes gives the ServiceAccount of kustomize/rbac, which names only
// virtual-runpod, the same rights on the quota scenario's nodes: node
// object and status, the node and leader Leases, the SSH key Secret
// (created empty, as the install does).
func (e *env) grantNodes(nodes []string) {
	e.t.Helper()
	ctx := context.Background()
	var leases, leaders, secrets []string
	for _, n := range nodes {
		leader := "runpod-kubelet-" + n
		leases, leaders, secrets = append(leases, n, leader), append(leaders, leader), append(secrets, podsync.SSHKeySecretName(n))
	}
	sa := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "runpod-kubelet", Namespace: "kube-system"}}
	rule := func(group, resource string, names []string, verbs ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{resource}, ResourceNames: names, Verbs: verbs}
	}
	meta := metav1.ObjectMeta{Name: quotaRBAC}
	rbac := e.kube.RbacV1()
	_, err := rbac.ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: meta, Rules: []rbacv1.PolicyRule{
		rule("", "nodes", nodes, "get", "patch", "update"), rule("", "nodes/status", nodes, "get", "patch", "update"),
	}}, metav1.CreateOptions{})
	e.must("ClusterRole", err)
	_, err = rbac.ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: meta, Subjects: sa,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: quotaRBAC}}, metav1.CreateOptions{})
	e.must("ClusterRoleBinding", err)
	for ns, rules := range map[string][]rbacv1.PolicyRule{
		"kube-node-lease": {rule("coordination.k8s.io", "leases", leases, "get", "update", "patch")},
		"kube-system":     {rule("coordination.k8s.io", "leases", leaders, "get"), rule("", "secrets", secrets, "get", "update")},
	} {
		m := meta
		m.Namespace = ns
		_, err := rbac.Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: m, Rules: rules}, metav1.CreateOptions{})
		e.must("Role in "+ns, err)
		_, err = rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: m, Subjects: sa,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: quotaRBAC}}, metav1.CreateOptions{})
		e.must("RoleBinding in "+ns, err)
	}
	for _, s := range secrets {
		_, err := e.kube.CoreV1().Secrets("kube-system").Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: s, Labels: map[string]string{"app.kubernetes.io/name": "runpod-kubelet",
				"app.kubernetes.io/component": "ssh-key"}}, Type: corev1.SecretTypeOpaque}, metav1.CreateOptions{})
		e.must("Secret "+s, err)
	}
}

func (e *env) must(what string, err error) {
	e.t.Helper()
	if err != nil && !apierrors.IsAlreadyExists(err) {
		e.t.Fatalf("create %s: %v", what, err)
	}
}
