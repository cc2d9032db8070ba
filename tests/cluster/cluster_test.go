package cluster_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/runpod-kubelet/runpod-kubelet/tests/cluster"
)

const (
	nodeName     = "virtual-runpod-e2e"
	providerKey  = "virtual-kubelet.io/provider"
	bindDeadline = 30 * time.Second
)

// e2e skips unless RPK_E2E=1, so the plain unit run starts no cluster.
func e2e(t *testing.T) {
	t.Helper()
	if os.Getenv("RPK_E2E") != "1" {
		t.Skip("end-to-end: set RPK_E2E=1 to start a local control plane")
	}
}

func TestControlPlaneSchedulesAPod(t *testing.T) {
	e2e(t)
	c := cluster.Start(t, nodeName)
	ctx := t.Context()
	_, nodeClient := cluster.Clients(t, c.NodeKubeconfig)

	t.Cleanup(func() { deleteFixtures(t, c.Client, "schedule-me") }) // for a reused control plane
	registerNode(ctx, t, nodeClient)
	waitSchedulable(ctx, t, c.Client)

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "schedule-me"},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{corev1.LabelHostname: nodeName},
			Tolerations: []corev1.Toleration{{
				Key: providerKey, Operator: corev1.TolerationOpEqual, Value: "runpod", Effect: corev1.TaintEffectNoSchedule,
			}},
			Containers: []corev1.Container{{
				Name: "main", Image: "busybox",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi"),
				}},
			}},
		},
	}
	created := time.Now()
	if _, err := c.Client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, bindDeadline, true, func(ctx context.Context) (bool, error) {
		got, err := c.Client.CoreV1().Pods("default").Get(ctx, pod.Name, metav1.GetOptions{})
		return err == nil && got.Spec.NodeName == nodeName, err
	})
	if err != nil {
		t.Fatalf("pod not bound to %s within %s: %v\n%s", nodeName, bindDeadline, err,
			c.Kubectl(t, "describe", "pod", "-n", "default", pod.Name))
	}
	t.Logf("scheduler bound the pod in %s", time.Since(created).Round(time.Millisecond))

	t.Run("node identity is scoped to its node", func(t *testing.T) {
		_, err := nodeClient.CoreV1().Pods("").List(t.Context(), metav1.ListOptions{})
		if !apierrors.IsForbidden(err) {
			t.Fatalf("node lists every pod: want Forbidden, got %v", err)
		}
		own, err := nodeClient.CoreV1().Pods("").List(t.Context(),
			metav1.ListOptions{FieldSelector: "spec.nodeName=" + nodeName})
		if err != nil || len(own.Items) != 1 || own.Items[0].Name != pod.Name {
			t.Fatalf("node lists its own pods: got %v, %v", own, err)
		}
		// NodeRestriction: a node may not give itself a role label after the fact.
		patch := []byte(`{"metadata":{"labels":{"kubernetes.io/role":"agent"}}}`)
		_, err = nodeClient.CoreV1().Nodes().Patch(t.Context(), nodeName, types.MergePatchType, patch, metav1.PatchOptions{})
		if !apierrors.IsForbidden(err) {
			t.Fatalf("node sets kubernetes.io/role: want Forbidden, got %v", err)
		}
	})

	t.Run("kubectl and service account kubeconfig", func(t *testing.T) {
		if got := strings.TrimSpace(c.Kubectl(t, "get", "node", nodeName, "-o", "name")); got != "node/"+nodeName {
			t.Fatalf("kubectl get node: got %q", got)
		}
		_, sa := cluster.Clients(t, c.ServiceAccountKubeconfig(t, "default", "e2e-reader"))
		review, err := sa.AuthenticationV1().SelfSubjectReviews().Create(t.Context(),
			&authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("self subject review: %v", err)
		}
		if want := "system:serviceaccount:default:e2e-reader"; review.Status.UserInfo.Username != want {
			t.Fatalf("token user: got %q, want %q", review.Status.UserInfo.Username, want)
		}
	})
}

// registerNode creates the Node and its Lease as the node itself, the way a
// kubelet registers: taints can only be set here, NodeRestriction forbids
// changing them later.
func registerNode(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	t.Helper()
	now := metav1.Now()
	capacity := corev1.ResourceList{
		corev1.ResourcePods:   resource.MustParse("10"),
		corev1.ResourceCPU:    resource.MustParse("4"),
		corev1.ResourceMemory: resource.MustParse("8Gi"),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: nodeName, Labels: map[string]string{
			corev1.LabelHostname: nodeName, corev1.LabelOSStable: "linux", "type": "virtual-kubelet",
		}},
		Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: providerKey, Value: "runpod", Effect: corev1.TaintEffectNoSchedule}}},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity,
			Conditions: []corev1.NodeCondition{{
				Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
				LastHeartbeatTime: now, LastTransitionTime: now,
			}},
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: nodeName},
			},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
		},
	}
	if _, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatalf("node creates itself: %v", err)
	}
	// A fresh Lease keeps the node lifecycle controller from marking it Unknown (~50 s).
	holder, seconds, renew := nodeName, int32(40), metav1.NewMicroTime(time.Now())
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: corev1.NamespaceNodeLease, Name: nodeName},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &seconds, RenewTime: &renew},
	}
	if _, err := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Create(ctx, lease, metav1.CreateOptions{}); err != nil {
		t.Fatalf("node creates its lease: %v", err)
	}
}

// waitSchedulable waits until the node carries none of the taints the node
// lifecycle controller adds for an unready node; only that controller removes them.
func waitSchedulable(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	t.Helper()
	blocking := []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable}
	var taints []corev1.Taint
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, bindDeadline, true, func(ctx context.Context) (bool, error) {
		node, err := client.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		taints = node.Spec.Taints
		return !slices.ContainsFunc(taints, func(t corev1.Taint) bool { return slices.Contains(blocking, t.Key) }), nil
	})
	if err != nil {
		t.Fatalf("node still tainted %v: %v", taints, err)
	}
}

// deleteFixtures removes what the test made, so a reused control plane can run it again.
func deleteFixtures(t *testing.T, client kubernetes.Interface, pod string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := metav1.DeleteOptions{GracePeriodSeconds: new(int64)} // no kubelet will confirm a graceful delete
	for _, err := range []error{
		client.CoreV1().Pods("default").Delete(ctx, pod, now),
		client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Delete(ctx, nodeName, now),
		client.CoreV1().Nodes().Delete(ctx, nodeName, now),
	} {
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete test fixture: %v", err)
		}
	}
}
