package install

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// chartLikeKustomize renders the chart as kustomize installs: release
// runpod-kubelet in kube-system, reading the Secret runpod-kubelet-api-key.
func chartLikeKustomize(t *testing.T, sets ...string) manifests {
	t.Helper()
	return render(t, "runpod-kubelet", "kube-system", append([]string{"runpod.existingSecret=runpod-kubelet-api-key"}, sets...)...)
}

// rbacObject is what matters of an RBAC object: its rules, or what it binds.
type rbacObject struct {
	Rules    []rbacv1.PolicyRule
	RoleRef  rbacv1.RoleRef
	Subjects []rbacv1.Subject
}

func rbacObjects(t *testing.T, m manifests) map[string]rbacObject {
	t.Helper()
	out := map[string]rbacObject{}
	for _, kind := range []string{"ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding"} {
		for _, o := range m.ofKind(kind) {
			var r rbacObject
			o.into(t, &r)
			out[o.key()] = r
		}
	}
	return out
}

// diffRBAC reports each rule, roleRef or subject list that differs.
func diffRBAC(t *testing.T, key string, chart, kust rbacObject) {
	t.Helper()
	for i := range max(len(chart.Rules), len(kust.Rules)) {
		var c, k *rbacv1.PolicyRule
		if i < len(chart.Rules) {
			c = &chart.Rules[i]
		}
		if i < len(kust.Rules) {
			k = &kust.Rules[i]
		}
		if !reflect.DeepEqual(c, k) {
			t.Errorf("%s rule %d: chart %+v, kustomize %+v", key, i, c, k)
		}
	}
	if !reflect.DeepEqual(chart.RoleRef, kust.RoleRef) || !reflect.DeepEqual(chart.Subjects, kust.Subjects) {
		t.Errorf("%s binds differently: chart %+v %+v, kustomize %+v %+v", key, chart.RoleRef, chart.Subjects, kust.RoleRef, kust.Subjects)
	}
}

// The chart's ClusterRole, Roles and bindings equal kustomize/rbac's, rule
// for rule, so neither can gain a right the other lacks.
func TestChartRBACMatchesKustomize(t *testing.T) {
	needE2E(t)
	_, kust := kustomize(t, "kustomize/rbac")
	want := rbacObjects(t, kust)
	got := rbacObjects(t, chartLikeKustomize(t))
	if len(want) == 0 {
		t.Fatal("kustomize/rbac rendered no RBAC objects")
	}
	for key, w := range want {
		g, ok := got[key]
		switch {
		case !ok:
			t.Errorf("chart lacks %s", key)
		default:
			diffRBAC(t, key, g, w)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("chart has %s, kustomize does not", key)
		}
	}
	// The rule the README explains: Secrets are read, never written.
	var cr rbacv1.ClusterRole
	chartLikeKustomize(t).one(t, "ClusterRole").into(t, &cr)
	for _, r := range cr.Rules {
		for _, res := range r.Resources {
			if res == "secrets" && strings.Join(r.Verbs, ",") != "get,list,watch" {
				t.Errorf("Secrets get verbs %v, want get, list, watch only", r.Verbs)
			}
		}
	}
}

// The chart renders the objects kustomize/base (one replica) and
// kustomize/overlays/ha (two) do, under the same names, with the same pod
// security, ports and probes.
func TestChartMatchesKustomizeObjects(t *testing.T) {
	needE2E(t)
	for _, tc := range []struct {
		dir  string
		sets []string
	}{
		{"kustomize/base", nil},
		{"kustomize/overlays/ha", []string{"replicaCount=2"}},
		{"kustomize/overlays/monitoring", []string{"metrics.serviceMonitor.enabled=true",
			"metrics.prometheusRule.enabled=true", "metrics.dashboard.enabled=true"}},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			_, kust := kustomize(t, tc.dir)
			chart := chartLikeKustomize(t, tc.sets...)
			if got, want := chart.keys(), kust.keys(); !reflect.DeepEqual(got, want) {
				t.Errorf("objects differ:\nchart     %v\nkustomize %v", got, want)
			}
			kd, cd := kust.deployment(t), chart.deployment(t)
			if *kd.Spec.Replicas != *cd.Spec.Replicas {
				t.Errorf("replicas: chart %d, kustomize %d", *cd.Spec.Replicas, *kd.Spec.Replicas)
			}
			kp, cp := kd.Spec.Template.Spec, cd.Spec.Template.Spec
			if !reflect.DeepEqual(kp.SecurityContext, cp.SecurityContext) {
				t.Errorf("pod securityContext: chart %+v, kustomize %+v", cp.SecurityContext, kp.SecurityContext)
			}
			if kp.ServiceAccountName != cp.ServiceAccountName {
				t.Errorf("serviceAccountName: chart %q, kustomize %q", cp.ServiceAccountName, kp.ServiceAccountName)
			}
			if len(kp.TopologySpreadConstraints) != len(cp.TopologySpreadConstraints) {
				t.Errorf("topology spread: chart %+v, kustomize %+v", cp.TopologySpreadConstraints, kp.TopologySpreadConstraints)
			}
			kc, cc := kust.container(t), chart.container(t)
			for what, pair := range map[string][2]any{
				"securityContext": {cc.SecurityContext, kc.SecurityContext},
				"ports":           {cc.Ports, kc.Ports},
				"livenessProbe":   {cc.LivenessProbe, kc.LivenessProbe},
				"readinessProbe":  {cc.ReadinessProbe, kc.ReadinessProbe},
				"resources":       {cc.Resources, kc.Resources},
			} {
				if !reflect.DeepEqual(pair[0], pair[1]) {
					t.Errorf("container %s: chart %+v, kustomize %+v", what, pair[0], pair[1])
				}
			}
			// kustomize sets fewer variables (the binary's defaults fill the
			// rest); every one it sets, the chart sets to the same value.
			kenv, cenv := kust.envSources(t), chart.envSources(t)
			for name, v := range kenv {
				if name == "NAMESPACE" && v == "field:metadata.namespace" {
					v = "kube-system" // the chart writes the release namespace
				}
				if cenv[name] != v {
					t.Errorf("%s: chart %q, kustomize %q", name, cenv[name], v)
				}
			}
			var ks, cs corev1.Service
			kust.one(t, "Service").into(t, &ks)
			chart.one(t, "Service").into(t, &cs)
			if !reflect.DeepEqual(ks.Spec.Ports, cs.Spec.Ports) {
				t.Errorf("Service ports: chart %+v, kustomize %+v", cs.Spec.Ports, ks.Spec.Ports)
			}
			sameMonitoring(t, chart, kust)
		})
	}
}

// sameMonitoring checks the monitoring objects say the same: the
// ServiceMonitor's endpoints, the PrometheusRule's groups, the dashboard.
func sameMonitoring(t *testing.T, chart, kust manifests) {
	t.Helper()
	type spec struct {
		Spec map[string]any    `json:"spec"`
		Data map[string]string `json:"data"`
	}
	for _, kind := range []string{"ServiceMonitor", "PrometheusRule"} {
		c, k := chart.ofKind(kind), kust.ofKind(kind)
		if len(c) != len(k) {
			t.Errorf("%s: chart has %d, kustomize %d", kind, len(c), len(k))
			continue
		}
		for i := range c {
			var cs, ks spec
			c[i].into(t, &cs)
			k[i].into(t, &ks)
			if kind == "ServiceMonitor" {
				cs.Spec["selector"], ks.Spec["selector"] = nil, nil // the chart also selects its release
			}
			if !reflect.DeepEqual(cs.Spec, ks.Spec) {
				t.Errorf("%s spec: chart %v\nkustomize %v", kind, cs.Spec, ks.Spec)
			}
		}
	}
	var cd, kd []spec
	for _, o := range chart.ofKind("ConfigMap") {
		if strings.HasSuffix(o.Name, "-dashboard") {
			var s spec
			o.into(t, &s)
			cd = append(cd, s)
		}
	}
	for _, o := range kust.ofKind("ConfigMap") {
		if strings.HasSuffix(o.Name, "-dashboard") {
			var s spec
			o.into(t, &s)
			kd = append(kd, s)
		}
	}
	for _, list := range [][]spec{cd, kd} {
		for _, s := range list {
			for k, v := range s.Data {
				s.Data[k] = strings.TrimSpace(v) // a block scalar's final newline is the template's choice
			}
		}
	}
	if !reflect.DeepEqual(cd, kd) {
		t.Errorf("dashboard ConfigMaps differ: chart %d, kustomize %d", len(cd), len(kd))
	}
}
