package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi/simulator"
	"github.com/runpod-kubelet/runpod-kubelet/tests/cluster"
)

const (
	nodeName  = "virtual-runpod" // the name kustomize/rbac grants
	simKey    = "bench-sim-key"
	namespace = "default"
	podLabel  = "rpk-bench" // label app=rpk-bench on every pod the scenario makes

	// provisioningDelay is the simulated PROVISIONING time; STARTING takes none,
	// so a RunPod pod is RUNNING provisioningDelay after its create.
	provisioningDelay = 5 * time.Second
	// specQuotaPerMinute is the per-minute quota the RunPod v2 spec advertises
	// as its example; the share of it used is what the table reports.
	specQuotaPerMinute = 60
	// reconcileInterval is the kubelet's default RECONCILE_INTERVAL, which
	// the scenario keeps; the baseline polls at the old project's 10 s.
	reconcileInterval = 2 * time.Second
	baselineInterval  = 10 * time.Second
)

// env is the scenario's world: a control plane, the simulator, and clients.
type env struct {
	t         *testing.T
	c         *cluster.Cluster
	kube      kubernetes.Interface // admin, for the test driver; high QPS
	sim       *simulator.Server
	saConf    string // kubeconfig of ServiceAccount kube-system/runpod-kubelet
	clusterID string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	if os.Getenv("RPK_BENCH") != "1" {
		t.Skip("bench: set RPK_BENCH=1 (scripts/bench.sh does)")
	}
	c := cluster.Start(t, nodeName)
	c.Kubectl(t, "apply", "-k", filepath.Join(cluster.RepoRoot(t), "kustomize", "rbac"))
	cfg := *c.Config
	cfg.QPS, cfg.Burst = 2000, 2000 // the driver must not be what paces pod creation
	kube, err := kubernetes.NewForConfig(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts := simulator.DefaultOptions(simKey)
	opts.ProvisioningDelay, opts.StartingDelay = provisioningDelay, 0
	// Room for setup at scale; the table reports the share of the spec's 60/min.
	opts.Quota = simulator.Quota{Minute: 100000, Hour: 1000000, Day: 10000000}
	// One page holds every pod, as before listings were paginated, so the
	// figures compare with earlier runs; TestQuota measures pages.
	opts.PageSize = 1000
	sim := simulator.NewServer(opts)
	t.Cleanup(sim.Close)
	sim.SetCapacity(simulator.CPUFlavorID, "US-TX-3", 10000) // 1,000 CPU pods of 2 vCPUs and more
	ns, err := kube.CoreV1().Namespaces().Get(context.Background(), "kube-system", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, c: c, kube: kube, sim: sim, clusterID: string(ns.UID),
		saConf: c.ServiceAccountKubeconfig(t, "kube-system", "runpod-kubelet")}
}

// eventually polls cond every interval until it holds or timeout passes.
func (e *env) eventually(timeout, interval time.Duration, what string, cond func() (bool, string)) {
	e.t.Helper()
	cluster.Eventually(e.t, timeout, interval, what, cond)
}
