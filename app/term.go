package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	vklog "github.com/virtual-kubelet/virtual-kubelet/log"
	vknode "github.com/virtual-kubelet/virtual-kubelet/node"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/runpod-kubelet/runpod-kubelet/node"
	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// term runs what only the leader runs, for one leadership term: the
// virtual node's controllers (virtual-kubelet) and a pod provider built
// afresh from the API server and one RunPod listing. Nothing carries over
// from an earlier term; the parts it runs are built once, by fx.
type term struct {
	cfg      *Config
	kube     kubernetes.Interface
	runpod   *runpodapi.Client
	log      *slog.Logger
	health   *HealthServer
	nodeObj  *corev1.Node
	node     *node.Provider
	recorder record.EventRecorder
	api      *kubeletAPI
	pods     podsync.Deps
}

func newTerm(cfg *Config, kube kubernetes.Interface, rp *runpodapi.Client, log *slog.Logger, health *HealthServer,
	nodeObj *corev1.Node, np *node.Provider, recorder record.EventRecorder, api *kubeletAPI, pods podsync.Deps) *term {
	return &term{cfg: cfg, kube: kube, runpod: rp, log: log, health: health, nodeObj: nodeObj, node: np,
		recorder: recorder, api: api, pods: pods}
}

func (t *term) run(ctx context.Context, handover podsync.Handover) error {
	cfg := t.cfg
	ctx = vklog.WithLogger(ctx, vkLogger{t.log})
	deps := t.pods
	deps.Handover = handover
	pods := podsync.New(deps)

	mux := http.NewServeMux()
	n, err := nodeutil.NewNode(cfg.NodeName,
		func(pc nodeutil.ProviderConfig) (nodeutil.Provider, vknode.NodeProvider, error) {
			pods.Attach(podsync.Listers{Pods: pc.Pods, Services: pc.Services, ConfigMaps: pc.ConfigMaps, Secrets: pc.Secrets})
			return pods, t.node, nil
		},
		nodeutil.WithClient(t.kube),
		func(c *nodeutil.NodeConfig) error {
			c.NodeSpec = *t.nodeObj
			c.HTTPListenAddr = cfg.ListenAddr.String()
			c.TLSConfig = t.api.tls
			c.Handler = nodeutil.WithAuth(t.api.auth, mux)
			c.EventRecorder = t.recorder
			c.NumWorkers = 8
			return nil
		},
		nodeutil.AttachProviderRoutes(mux),
		// virtual-kubelet's default queue limiter lets 100 items through, then
		// 10 a second for all pods together: a burst of creates and status
		// updates waited on it. Keep only its per-pod back-off of retries.
		nodeutil.WithPodControllerConfigOverrides(func(c *vknode.PodControllerConfig) error {
			c.SyncPodsFromKubernetesRateLimiter = workqueue.NewTypedItemExponentialFailureRateLimiter[any](5*time.Millisecond, 1000*time.Second)
			c.SyncPodStatusFromProviderRateLimiter = workqueue.NewTypedItemExponentialFailureRateLimiter[any](5*time.Millisecond, 1000*time.Second)
			return trimInformerCaches(c)
		}),
	)
	if err != nil {
		return fmt.Errorf("build virtual node %s: %w", cfg.NodeName, err)
	}
	// The cache must hold every existing pod before the pod controller asks
	// GetPod, or it would call CreatePod for pods that already run.
	if err := pods.Rebuild(ctx); err != nil {
		return err
	}
	pods.Start(ctx)
	go func() {
		// Reconcile only once the informers are synced: an empty pod cache
		// would look like every pod was deleted.
		if err := n.WaitReady(ctx, 0); err != nil {
			return
		}
		t.health.SetReady(true, "")
		t.log.Info("node ready; reconciling", "node", cfg.NodeName, "ip", deps.Settings.NodeIP, "cluster", deps.Settings.ClusterID)
		pods.Run(ctx)
	}()
	err = n.Run(ctx)
	// No create may still be in flight when the Lease goes to a successor.
	if !pods.WaitCreates(t.runpod.CallTimeout()) {
		t.log.Warn("a create POST outlived its timeout at the end of the term", "timeout", t.runpod.CallTimeout())
	}
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("virtual node %s stopped: %w", cfg.NodeName, err)
}
