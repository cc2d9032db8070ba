package install

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

func TestChartLint(t *testing.T) {
	needE2E(t)
	for name, sets := range map[string][]string{
		"existing Secret": {"runpod.existingSecret=runpod-kubelet-api-key"},
		"inline key, HA, every optional value": {"runpod.apiKey=k", "replicaCount=3",
			"kubelet.tls.existingSecret=tls", "kubelet.kubeconfig.existingSecret=kc",
			"kubelet.datacenterIds={US-TX-3,EU-RO-1}", "kubelet.clusterId=prod", "kubelet.internalIp=10.0.0.1"},
		"key file": {"runpod.apiKeyFile=/var/run/runpod/api-key"},
	} {
		t.Run(name, func(t *testing.T) {
			args := []string{"lint", "--strict", "chart"}
			for _, s := range sets {
				args = append(args, "--set", s)
			}
			must(t, "", helmPath(t), args...)
		})
	}
}

// Wrong types fail in values.schema.json, the API key rule in the templates
// (a schema cannot word "exactly one of" clearly); each error names the value.
func TestChartRejectsBadValues(t *testing.T) {
	needE2E(t)
	for _, tc := range []struct {
		name string
		sets []string
		want string // in helm's error
	}{
		{"replicaCount a word", []string{"runpod.apiKey=k", "replicaCount=two"}, "/replicaCount': got string, want integer"},
		{"both key sources", []string{"runpod.apiKey=x", "runpod.existingSecret=y"},
			"set exactly one of runpod.apiKey, runpod.existingSecret or runpod.apiKeyFile; got runpod.apiKey and runpod.existingSecret"},
		{"no key source", nil, "runpod: no API key: set runpod.existingSecret"},
		{"price a word", []string{"runpod.apiKey=k", "kubelet.maxGpuPrice=cheap"}, "/kubelet/maxGpuPrice"},
		{"price zero", []string{"runpod.apiKey=k", "kubelet.maxGpuPrice=0"}, "/kubelet/maxGpuPrice"},
		{"spend negative", []string{"runpod.apiKey=k", "kubelet.maxHourlySpend=-1"}, "/kubelet/maxHourlySpend"},
		{"data centers a string", []string{"runpod.apiKey=k", "kubelet.datacenterIds=US-TX-3"}, "/kubelet/datacenterIds': got string, want array"},
		{"data center id malformed", []string{"runpod.apiKey=k", "kubelet.datacenterIds={texas}"}, "/kubelet/datacenterIds/0"},
		{"cloud type", []string{"runpod.apiKey=k", "kubelet.cloudType=CHEAP"}, "/kubelet/cloudType"},
		{"interval not a duration", []string{"runpod.apiKey=k", "kubelet.reconcileInterval=soon"}, "/kubelet/reconcileInterval"},
		{"capacity a word", []string{"runpod.apiKey=k", "kubelet.capacity.gpu=many"}, "/kubelet/capacity/gpu"},
		{"log level", []string{"runpod.apiKey=k", "kubelet.logLevel=verbose"}, "/kubelet/logLevel"},
		{"node name", []string{"runpod.apiKey=k", "kubelet.nodeName=GPU_Node"}, "/kubelet/nodeName"},
		{"election a word", []string{"runpod.apiKey=k", "leaderElection.enabled=yes"}, "/leaderElection/enabled': got string, want boolean"},
		{"lease not a duration", []string{"runpod.apiKey=k", "leaderElection.leaseDuration=15"}, "/leaderElection/leaseDuration"},
		{"port out of range", []string{"runpod.apiKey=k", "kubelet.apiPort=70000"}, "/kubelet/apiPort"},
		{"misspelt key", []string{"runpod.apiKey=k", "kubelet.maxGPUPrice=1"}, "additional properties 'maxGPUPrice' not allowed"},
		{"old chart key gone", []string{"runpod.apiKey=k", "kubelet.healthServerAddress=:8080"}, "'healthServerAddress' not allowed"},
		{"replicas without election", []string{"runpod.apiKey=k", "replicaCount=2", "leaderElection.enabled=false"},
			"replicaCount > 1 needs leaderElection.enabled=true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := helmTemplate(t, "runpod-kubelet", "kube-system", tc.sets...)
			if err == nil {
				t.Fatalf("helm template %v succeeded, want an error with %q", tc.sets, tc.want)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("helm template %v: error\n%s\ndoes not say %q", tc.sets, stderr, tc.want)
			}
		})
	}
	// Forms that must keep working: --set gives decimals as strings, and the
	// old chart's reconcileInterval was a whole number of seconds.
	render(t, "runpod-kubelet", "kube-system", "runpod.apiKey=k", "kubelet.maxGpuPrice=0.8",
		"kubelet.maxHourlySpend=12.5", "kubelet.reconcileInterval=30", "kubelet.cloudType=community")
}

// An inline key makes the chart create the Secret the Deployment reads; an
// existing Secret is only referenced.
func TestChartAPIKeySecret(t *testing.T) {
	needE2E(t)
	inline := render(t, "rpk", "runpod", "runpod.apiKey=rp-inline-key")
	var s corev1.Secret
	for _, o := range inline.ofKind("Secret") {
		if o.Name != "runpod-kubelet-ssh-virtual-runpod" { // the node's SSH key, created empty
			o.into(t, &s)
		}
	}
	if s.Name != "rpk-runpod-kubelet-api-key" || s.Namespace != "runpod" || string(s.Data["api-key"]) != "rp-inline-key" {
		t.Errorf("Secret %s/%s data %q, want runpod/rpk-runpod-kubelet-api-key holding the key", s.Namespace, s.Name, s.Data)
	}
	if got := inline.envSources(t)["RUNPOD_API_KEY"]; got != "secret:rpk-runpod-kubelet-api-key/api-key" {
		t.Errorf("RUNPOD_API_KEY from %q, want the chart's Secret", got)
	}
	if inline.deployment(t).Spec.Template.Annotations["checksum/secret"] == "" {
		t.Error("no checksum/secret annotation: a changed key would not restart the pods")
	}

	existing := render(t, "rpk", "runpod", "runpod.existingSecret=mine", "runpod.existingSecretKey=RUNPOD_API_KEY")
	if secrets := existing.ofKind("Secret"); len(secrets) != 1 || secrets[0].Name != "runpod-kubelet-ssh-virtual-runpod" {
		t.Errorf("runpod.existingSecret rendered %v; the chart must own only the empty SSH key Secret", secrets.keys())
	}
	if got := existing.envSources(t)["RUNPOD_API_KEY"]; got != "secret:mine/RUNPOD_API_KEY" {
		t.Errorf("RUNPOD_API_KEY from %q, want secret:mine/RUNPOD_API_KEY", got)
	}
}

// Two replicas get a PodDisruptionBudget, a topology spread and a rolling
// update that never drops below the replicas; one replica gets neither.
func TestChartHA(t *testing.T) {
	needE2E(t)
	ha := render(t, "runpod-kubelet", "kube-system", "runpod.existingSecret=k", "replicaCount=2")
	d := ha.deployment(t)
	if *d.Spec.Replicas != 2 || d.Spec.Strategy.Type != "RollingUpdate" ||
		d.Spec.Strategy.RollingUpdate.MaxUnavailable.IntValue() != 0 || d.Spec.Strategy.RollingUpdate.MaxSurge.IntValue() != 1 {
		t.Errorf("replicas %d, strategy %+v; want 2 and RollingUpdate maxUnavailable 0, maxSurge 1", *d.Spec.Replicas, d.Spec.Strategy)
	}
	spread := d.Spec.Template.Spec.TopologySpreadConstraints
	if len(spread) != 1 || spread[0].TopologyKey != "kubernetes.io/hostname" ||
		spread[0].LabelSelector.MatchLabels["app.kubernetes.io/instance"] != "runpod-kubelet" {
		t.Errorf("topology spread %+v, want one over kubernetes.io/hostname selecting the release", spread)
	}
	var pdb policyv1.PodDisruptionBudget
	ha.one(t, "PodDisruptionBudget").into(t, &pdb)
	if pdb.Spec.MinAvailable.IntValue() != 1 || pdb.Spec.Selector.MatchLabels["app.kubernetes.io/name"] != "runpod-kubelet" {
		t.Errorf("PodDisruptionBudget %+v, want minAvailable 1 over the kubelet pods", pdb.Spec)
	}
	if env := ha.envSources(t); env["LEADER_ELECTION"] != "true" {
		t.Errorf("LEADER_ELECTION %q with 2 replicas", env["LEADER_ELECTION"])
	}

	single := render(t, "runpod-kubelet", "kube-system", "runpod.existingSecret=k")
	if pdbs := single.ofKind("PodDisruptionBudget"); len(pdbs) != 0 {
		t.Error("one replica got a PodDisruptionBudget, which would block every drain")
	}
	if s := single.deployment(t).Spec.Template.Spec.TopologySpreadConstraints; len(s) != 0 {
		t.Errorf("one replica got a topology spread %+v", s)
	}
	noPDB := render(t, "runpod-kubelet", "kube-system", "runpod.existingSecret=k", "replicaCount=2", "podDisruptionBudget.enabled=false")
	if pdbs := noPDB.ofKind("PodDisruptionBudget"); len(pdbs) != 0 {
		t.Error("podDisruptionBudget.enabled=false still rendered one")
	}
}

// The names in the RBAC follow kubelet.nodeName, kubelet.namespace and the
// release; rules only some settings need disappear without them.
func TestChartRBACFollowsSettings(t *testing.T) {
	needE2E(t)
	m := render(t, "rpk", "runpod", "runpod.existingSecret=k", "kubelet.nodeName=gpu-a", "kubelet.namespace=leases")
	var cr rbacv1.ClusterRole
	m.one(t, "ClusterRole").into(t, &cr)
	nodeRules := 0
	for _, r := range cr.Rules {
		if len(r.ResourceNames) > 0 && (r.Resources[0] == "nodes" || r.Resources[0] == "nodes/status") {
			nodeRules++
			if strings.Join(r.ResourceNames, ",") != "gpu-a" {
				t.Errorf("rule %v names %v, want gpu-a", r.Resources, r.ResourceNames)
			}
		}
	}
	if nodeRules != 2 {
		t.Errorf("%d rules name the node, want 2 (nodes, nodes/status)", nodeRules)
	}
	wantRoles := map[string]string{"kube-node-lease/rpk-runpod-kubelet-node-lease": "gpu-a,runpod-kubelet-gpu-a",
		"leases/rpk-runpod-kubelet-leader": "runpod-kubelet-gpu-a", "leases/rpk-runpod-kubelet-ssh-key": "runpod-kubelet-ssh-gpu-a"}
	for _, o := range m.ofKind("Role") {
		var role rbacv1.Role
		o.into(t, &role)
		want, ok := wantRoles[role.Namespace+"/"+role.Name]
		if !ok {
			t.Errorf("unexpected Role %s", o.key())
			continue
		}
		delete(wantRoles, role.Namespace+"/"+role.Name)
		var named []string
		for _, r := range role.Rules {
			named = append(named, r.ResourceNames...)
		}
		if got := strings.Join(named, ","); got != want {
			t.Errorf("Role %s names %v, want %s", o.key(), got, want)
		}
	}
	if len(wantRoles) > 0 {
		t.Errorf("missing Roles %v", wantRoles)
	}
	for _, o := range append(m.ofKind("RoleBinding"), m.ofKind("ClusterRoleBinding")...) {
		var b rbacv1.RoleBinding
		o.into(t, &b)
		if len(b.Subjects) != 1 || b.Subjects[0].Name != "rpk-runpod-kubelet" || b.Subjects[0].Namespace != "runpod" {
			t.Errorf("%s binds %+v, want ServiceAccount runpod/rpk-runpod-kubelet", o.key(), b.Subjects)
		}
	}
	if got := m.envSources(t)["NAMESPACE"]; got != "leases" {
		t.Errorf("NAMESPACE %q, want leases", got)
	}

	lean := render(t, "rpk", "runpod", "runpod.existingSecret=k", "kubelet.clusterId=prod", "leaderElection.enabled=false")
	lean.one(t, "ClusterRole").into(t, &cr)
	for _, r := range cr.Rules {
		if r.Resources[0] == "namespaces" {
			t.Errorf("kubelet.clusterId set, yet the ClusterRole still reads namespaces: %+v", r)
		}
	}
	for _, o := range lean.ofKind("Role") {
		if strings.HasSuffix(o.Name, "-leader") {
			t.Errorf("leader election off, yet %s is rendered", o.key())
		}
	}
}
