package install

import (
	"context"
	"fmt"
	"github.com/runpod-kubelet/runpod-kubelet/tests/kubeletproc"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
	"github.com/runpod-kubelet/runpod-kubelet/tests/cluster"
)

// The release the test installs: its own namespace and node name, so every
// name the RBAC grants comes from the chart's values, not kustomize's.
const (
	release   = "rpk"
	namespace = "runpod-system"
	nodeName  = "gpu-node-a"
	simKey    = "install-sim-key"
	podName   = "rpk-runpod-kubelet-5d8c7b9f4-x2x4q" // POD_NAME, as the downward API would set it
)

// The kubelet, run with the chart's settings and the token of the chart's
// ServiceAccount (not the admin), registers its node, runs a GPU pod placed
// with the selector and toleration NOTES print, serves its logs and
// terminates it on delete, all without one "forbidden"; and that
// ServiceAccount cannot write a Secret.
func TestKubeletUnderChartServiceAccount(t *testing.T) {
	needE2E(t)
	opts := simulator.DefaultOptions(simKey)
	opts.ProvisioningDelay, opts.StartingDelay, opts.LogInterval = 500*time.Millisecond, 500*time.Millisecond, 200*time.Millisecond
	opts.Quota = simulator.Quota{Minute: 6000, Hour: 100000, Day: 1000000}
	sim := simulator.NewServer(opts)
	t.Cleanup(sim.Close)
	c := cluster.Start(t, nodeName)
	c.Kubectl(t, "create", "namespace", namespace)

	sets := []string{"runpod.apiKey=" + simKey, "runpod.apiUrl=" + sim.URL, "kubelet.nodeName=" + nodeName,
		"kubelet.maxGpuPrice=3", "kubelet.reconcileInterval=2s", "kubelet.internalIp=127.0.0.1",
		"kubelet.apiPort=" + freePort(t), "kubelet.healthPort=" + freePort(t),
		"leaderElection.leaseDuration=6s", "leaderElection.renewDeadline=4s", "leaderElection.retryPeriod=1s",
		"replicaCount=0"} // the process below is the replica: no node here can run the image
	text, stderr, err := helmTemplate(t, release, namespace, sets...)
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, stderr)
	}
	m := parseManifests(t, text)
	// Before the apply: helm refuses to install over objects it does not own.
	notes := helmNotes(t, c, release, namespace, sets...)
	t.Logf("%s", must(t, text, kubectlPath(t), "--kubeconfig="+c.Kubeconfig, "apply", "-f", "-"))
	sa := m.one(t, "ServiceAccount").Name
	saConf := c.ServiceAccountKubeconfig(t, namespace, sa)
	k := startKubelet(t, kubeletEnv(t, m, saConf))

	// 1. The node registers and turns Ready; both Leases are held.
	cluster.WaitNodeReady(t, c.Client, nodeName, 60*time.Second)
	leases := c.Client.CoordinationV1()
	if _, err := leases.Leases("kube-node-lease").Get(t.Context(), nodeName, metav1.GetOptions{}); err != nil {
		t.Errorf("node Lease: %v", err)
	}
	leader, err := leases.Leases("kube-node-lease").Get(t.Context(), "runpod-kubelet-"+nodeName, metav1.GetOptions{})
	if err != nil || leader.Spec.HolderIdentity == nil || !strings.HasSuffix(*leader.Spec.HolderIdentity, "/"+podName) {
		t.Errorf("leader Lease kube-node-lease/runpod-kubelet-%s: %v %+v, want held by <namespace>/%s", nodeName, err, leader, podName)
	}

	// 2. A GPU pod placed as NOTES say runs, annotated, and serves logs.
	pod := fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: train
  namespace: default
  annotations:
    runpod.io/required-gpu-memory: "24"
spec:
  restartPolicy: Never
%s  containers:
    - name: main
      image: runpod/pytorch:2.4.0
      ports:
        - containerPort: 22
      resources:
        limits:
          nvidia.com/gpu: 1
`, notesPodSpec(t, notes))
	must(t, pod, kubectlPath(t), "--kubeconfig="+c.Kubeconfig, "apply", "-f", "-")
	var p *corev1.Pod
	eventually(t, 60*time.Second, "pod train Running, Ready and annotated", func() (bool, string) {
		if p, err = c.Client.CoreV1().Pods("default").Get(t.Context(), "train", metav1.GetOptions{}); err != nil {
			return false, err.Error()
		}
		ready := slices.ContainsFunc(p.Status.Conditions, func(c corev1.PodCondition) bool {
			return c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue
		})
		return p.Status.Phase == corev1.PodRunning && ready && p.Annotations[podsync.AnnotationPublicIP] != "",
			fmt.Sprintf("node=%q phase=%s ready=%v annotations=%v", p.Spec.NodeName, p.Status.Phase, ready, p.Annotations)
	})
	rps := sim.Pods()
	if len(rps) != 1 || p.Annotations[podsync.AnnotationPodID] != rps[0].ID || p.Annotations[podsync.AnnotationGpuType] != rps[0].Gpu.ID ||
		p.Annotations[podsync.AnnotationCostPerHr] == "" || !strings.Contains(p.Annotations[podsync.AnnotationPortMappings], "22/tcp=") {
		t.Errorf("annotations %v do not describe the RunPod pods %+v", p.Annotations, rps)
	}
	time.Sleep(time.Second) // let a few log lines accumulate
	logs := c.Kubectl(t, "logs", "train", "--tail", "3")
	if n := len(strings.Split(strings.TrimSpace(logs), "\n")); n != 3 || !strings.Contains(logs, "step") {
		t.Errorf("kubectl logs --tail 3 gave %d lines:\n%s", n, logs)
	}

	// 3. Deleting the pod terminates its RunPod pod.
	c.Kubectl(t, "delete", "pod", "train", "--wait=false")
	eventually(t, 30*time.Second, "the RunPod pod to be terminated", func() (bool, string) {
		return len(sim.Pods()) == 0, fmt.Sprint(len(sim.Pods()), " RunPod pods")
	})
	eventually(t, 60*time.Second, "pod train to go", func() (bool, string) {
		_, err := c.Client.CoreV1().Pods("default").Get(t.Context(), "train", metav1.GetOptions{})
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})
	if n := sim.Counters()["DELETE /v2/pods/{id}"]; n < 1 {
		t.Errorf("%d DELETEs reached RunPod, want at least 1", n)
	}

	// 4. Nothing the kubelet did was refused: the chart's rights suffice.
	if denied := regexp.MustCompile(`(?i).*forbidden.*`).FindAllString(k.Text(), 10); len(denied) > 0 {
		t.Errorf("the kubelet was refused under the chart's RBAC:\n%s", strings.Join(denied, "\n"))
	}

	// 5. ...and they are no more than it needs: it reads Secrets, never writes them.
	assertSecretsReadOnly(t, c, sa, saConf)
}

// assertSecretsReadOnly checks the ServiceAccount can read but not write
// Secrets, through the authorizer (can-i) and through a real create.
func assertSecretsReadOnly(t *testing.T, c *cluster.Cluster, sa, saConf string) {
	t.Helper()
	as := "--as=system:serviceaccount:" + namespace + ":" + sa
	for _, tc := range []struct{ verb, resource, where, want string }{
		{"create", "secrets", "--namespace=" + namespace, "no"},
		{"create", "secrets", "--all-namespaces", "no"},
		{"update", "secrets", "--all-namespaces", "no"},
		{"patch", "secrets", "--all-namespaces", "no"},
		{"delete", "secrets", "--all-namespaces", "no"},
		{"list", "secrets", "--all-namespaces", "yes"},                                          // env resolution, see chart/README.md
		{"update", "secrets/runpod-kubelet-ssh-" + nodeName, "--namespace=" + namespace, "yes"}, // its SSH key, filled on first use
		{"update", "secrets/runpod-kubelet-api-key", "--namespace=" + namespace, "no"},
		{"get", "secrets/runpod-kubelet-ssh-" + nodeName, "--namespace=default", "yes"}, // read-all stays read-only
		{"patch", "nodes/virtual-runpod", "", "no"},                                     // another node than its own
		{"patch", "nodes/" + nodeName, "", "yes"},
	} {
		args := []string{"--kubeconfig=" + c.Kubeconfig, "auth", "can-i", tc.verb, tc.resource, as}
		if tc.where != "" {
			args = append(args, tc.where)
		}
		out, _, _ := run(t, "", kubectlPath(t), args...) // exits 1 for "no"
		if got := strings.TrimSpace(out); got != tc.want {
			t.Errorf("kubectl auth can-i %s %s %s: %q, want %q", tc.verb, tc.resource, tc.where, got, tc.want)
		}
	}
	_, saClient := cluster.Clients(t, saConf)
	for _, ns := range []string{namespace, "default"} {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "stolen", Namespace: ns}, StringData: map[string]string{"k": "v"}}
		_, err := saClient.CoreV1().Secrets(ns).Create(context.Background(), s, metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) {
			t.Errorf("ServiceAccount %s created a Secret in %s: err %v, want Forbidden", sa, ns, err)
		}
	}
}

// kubeletEnv is the environment the chart gives the container, with the
// valueFrom sources resolved as the kubelet on a node would, and the
// ServiceAccount's kubeconfig standing in for the in-cluster token.
func kubeletEnv(t *testing.T, m manifests, saConf string) []string {
	t.Helper()
	from := map[string]string{"field:metadata.name": podName}
	// As the kubelet resolves a resourceFieldRef: the limit in bytes.
	if limit, ok := m.container(t).Resources.Limits[corev1.ResourceMemory]; ok {
		from["resource:limits.memory"] = strconv.FormatInt(limit.Value(), 10)
	}
	for _, o := range m.ofKind("Secret") {
		var s corev1.Secret
		o.into(t, &s)
		for k, v := range s.Data {
			from["secret:"+s.Name+"/"+k] = string(v)
		}
	}
	var env []string
	for _, kv := range os.Environ() { // the test's own settings must not leak in
		if name, _, _ := strings.Cut(kv, "="); !slices.Contains(configVariables(), name) {
			env = append(env, kv)
		}
	}
	for name, value := range m.envSources(t) {
		if strings.HasPrefix(value, "secret:") || strings.HasPrefix(value, "field:") || strings.HasPrefix(value, "resource:") {
			resolved, ok := from[value]
			if !ok {
				t.Fatalf("%s comes from %s, which is not rendered", name, value)
			}
			value = resolved
		}
		env = append(env, name+"="+value)
	}
	return append(env, "KUBECONFIG="+saConf)
}

// kubelet is the runpod-kubelet process under test.
type kubelet = kubeletproc.Process

func startKubelet(t *testing.T, env []string) *kubelet {
	t.Helper()
	return kubeletproc.StartClean(t, kubeletBin, "kubelet", env)
}

// freePort is a free TCP port on this machine, as a string.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// eventually polls cond every 200 ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	cluster.Eventually(t, timeout, 200*time.Millisecond, what, cond)
}
