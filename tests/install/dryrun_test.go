package install

import (
	"fmt"
	"strings"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/node"
	"github.com/runpod-kubelet/runpod-kubelet/tests/cluster"
)

// What `helm template` and `kubectl kustomize` produce is accepted by a real
// API server (schema, defaulting, admission) with --dry-run=server, and
// `helm install` prints NOTES naming the real toleration and node selector.
func TestManifestsServerDryRun(t *testing.T) {
	needE2E(t)
	c := cluster.Start(t, "virtual-runpod")
	kubectl := kubectlPath(t)
	kubeconfig := "--kubeconfig=" + c.Kubeconfig
	c.Kubectl(t, "create", "namespace", "runpod")
	c.Kubectl(t, "create", "namespace", "leases")

	apply := func(t *testing.T, manifest string) {
		t.Helper()
		out := must(t, manifest, kubectl, kubeconfig, "apply", "--dry-run=server", "-f", "-")
		if !strings.Contains(out, "(server dry run)") {
			t.Errorf("not a server dry run:\n%s", out)
		}
		t.Logf("%s", out)
	}
	for _, dir := range []string{"kustomize/rbac", "kustomize/base", "kustomize/overlays/ha"} {
		t.Run(dir, func(t *testing.T) {
			text, _ := kustomize(t, dir)
			apply(t, text)
		})
	}
	for name, tc := range map[string]struct {
		release, namespace string
		sets               []string
	}{
		"chart defaults": {"runpod-kubelet", "kube-system", []string{"runpod.existingSecret=runpod-kubelet-api-key"}},
		"chart HA, inline key, every option": {"rpk", "runpod", []string{"runpod.apiKey=rp-key", "replicaCount=3",
			"kubelet.nodeName=gpu-a", "kubelet.namespace=leases", "kubelet.clusterId=prod",
			"kubelet.datacenterIds={US-TX-3,EU-RO-1}", "kubelet.tls.existingSecret=rpk-tls",
			"kubelet.kubeconfig.existingSecret=rpk-kubeconfig", "kubelet.internalIp=10.0.0.1",
			"podDisruptionBudget.minAvailable=50%"}},
		"chart key file": {"rpk", "runpod", []string{"runpod.apiKeyFile=/var/run/runpod/api-key",
			"extraVolumes[0].name=key", "extraVolumes[0].emptyDir.medium=Memory",
			"extraVolumeMounts[0].name=key", "extraVolumeMounts[0].mountPath=/var/run/runpod"}},
	} {
		t.Run(name, func(t *testing.T) {
			out, stderr, err := helmTemplate(t, tc.release, tc.namespace, tc.sets...)
			if err != nil {
				t.Fatalf("helm template: %v\n%s", err, stderr)
			}
			apply(t, out)
		})
	}

	t.Run("NOTES", func(t *testing.T) {
		notes := helmNotes(t, c, "rpk", "runpod", "runpod.existingSecret=k", "kubelet.nodeName=gpu-a")
		want := fmt.Sprintf("  nodeSelector:\n    %s: %s\n    %s: gpu-a\n  tolerations:\n    - key: %s\n      operator: Equal\n      value: %s\n      effect: NoSchedule\n"+
			"    - key: node.kubernetes.io/unreachable\n      operator: Exists\n      effect: NoExecute\n"+
			"    - key: node.kubernetes.io/not-ready\n      operator: Exists\n      effect: NoExecute\n",
			node.LabelType, node.TypeVirtualKubelet, node.LabelHostname, node.TaintKey, node.TaintValue)
		if got := notesPodSpec(t, notes); got != want {
			t.Errorf("NOTES give the pod spec\n%s\nwant (the node's labels and taint)\n%s", got, want)
		}
		if !strings.Contains(notes, "kubectl delete pods -A --field-selector spec.nodeName=gpu-a") {
			t.Errorf("NOTES do not say how to delete the node's pods before uninstalling:\n%s", notes)
		}
	})
}

// helmNotes runs `helm install --dry-run=server` against c and returns NOTES.
func helmNotes(t *testing.T, c *cluster.Cluster, release, namespace string, sets ...string) string {
	t.Helper()
	args := []string{"install", release, "chart", "--kubeconfig=" + c.Kubeconfig, "--namespace", namespace, "--dry-run=server"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	out := must(t, "", helmPath(t), args...)
	_, notes, ok := strings.Cut(out, "NOTES:\n")
	if !ok {
		t.Fatalf("helm install printed no NOTES:\n%s", out)
	}
	return notes
}

// notesPodSpec is the nodeSelector and tolerations block NOTES tell users to
// paste into a pod spec, as printed (indented for spec:).
func notesPodSpec(t *testing.T, notes string) string {
	t.Helper()
	var b strings.Builder
	in := false
	for _, line := range strings.Split(notes, "\n") {
		switch {
		case line == "  nodeSelector:":
			in = true
		case in && !strings.HasPrefix(line, "  "):
			return b.String()
		}
		if in {
			b.WriteString(line + "\n")
		}
	}
	t.Fatalf("NOTES have no nodeSelector block:\n%s", notes)
	return ""
}
