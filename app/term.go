package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	vklog "github.com/virtual-kubelet/virtual-kubelet/log"
	vknode "github.com/virtual-kubelet/virtual-kubelet/node"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/runpod-kubelet/runpod-kubelet/node"
	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// term runs the node and pod controllers for one leadership term. Each term
// starts from the API server and one RunPod list: nothing carries over.
type term struct {
	cfg       *Config
	kube      kubernetes.Interface
	runpod    *runpodapi.Client
	log       *slog.Logger
	health    *HealthServer
	metrics   *Metrics
	clusterID string
}

func (t *term) run(ctx context.Context, handover podsync.Handover) error {
	cfg := t.cfg
	ctx = vklog.WithLogger(ctx, vkLogger{t.log})
	ip := nodeIP(cfg)
	port, err := listenPort(cfg.ListenAddr)
	if err != nil {
		return err
	}
	nodeObj, err := node.NewObject(node.Settings{
		Name: cfg.NodeName, ClusterID: t.clusterID, InternalIP: ip, KubeletPort: port,
		CPU: cfg.CapacityCPU, Memory: cfg.CapacityMemory, Pods: cfg.CapacityPods, GPU: cfg.CapacityGPU,
		MaxHourlySpend: cfg.MaxHourlySpend,
	}, metav1.Now())
	if err != nil {
		return fmt.Errorf("build node %s: %w", cfg.NodeName, err)
	}
	np := node.NewProvider(nodeObj, cfg.MaxHourlySpend, time.Now)

	events := record.NewBroadcaster(record.WithContext(ctx))
	events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: t.kube.CoreV1().Events("")})
	defer events.Shutdown()
	recorder := events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "runpod-kubelet", Host: cfg.NodeName})

	pods := podsync.New(podsync.Deps{
		Settings: podsync.Settings{
			ClusterID: t.clusterID, NodeName: cfg.NodeName, NodeIP: ip,
			MaxGPUPrice: cfg.MaxGPUPrice, MaxHourlySpend: cfg.MaxHourlySpend,
			DataCenterIDs: cfg.DataCenterIDs, CloudType: cfg.CloudType, ReconcileInterval: cfg.ReconcileInterval,
			MissingWindow: cfg.MissingPodWindow, YoungPodGrace: min(cfg.MissingPodWindow, time.Minute),
			CreateBound: t.runpod.CallTimeout(),
			Admission:   policy.Admission{NodeName: cfg.NodeName, Taints: nodeObj.Spec.Taints, Namespaces: cfg.AllowedNamespaces},
			AccountIDs: policy.AccountIDs{NetworkVolumes: cfg.AllowedNetworkVolumeIDs, Templates: cfg.AllowedTemplateIDs,
				RegistryAuths: cfg.AllowedRegistryAuthIDs},
		},
		RunPod: t.runpod, Kube: t.kube, Recorder: recorder, Health: node.NewReporter(np), Log: t.log,
		Metrics: t.metrics.pods, Handover: handover,
	})

	tlsCfg, err := kubeletTLS(cfg, cfg.NodeName, ip)
	if err != nil {
		return err
	}
	auth, err := kubeletAuth(ctx, t.kube, cfg.NodeName)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	n, err := nodeutil.NewNode(cfg.NodeName,
		func(pc nodeutil.ProviderConfig) (nodeutil.Provider, vknode.NodeProvider, error) {
			pods.Attach(pc.Pods, pc.Services)
			return pods, np, nil
		},
		nodeutil.WithClient(t.kube),
		func(c *nodeutil.NodeConfig) error {
			c.NodeSpec = *nodeObj
			c.HTTPListenAddr = cfg.ListenAddr
			c.TLSConfig = tlsCfg
			c.Handler = nodeutil.WithAuth(auth, mux)
			c.EventRecorder = recorder
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
	go func() {
		// Reconcile only once the informers are synced: an empty pod cache
		// would look like every pod was deleted.
		if err := n.WaitReady(ctx, 0); err != nil {
			return
		}
		t.health.SetReady(true, "")
		t.log.Info("node ready; reconciling", "node", cfg.NodeName, "ip", ip, "cluster", t.clusterID)
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

func listenPort(addr string) (int32, error) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, fmt.Errorf("LISTEN_ADDR %q: %w", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n <= 0 || n > 65535 {
		return 0, fmt.Errorf("LISTEN_ADDR %q: port must be 1-65535", addr)
	}
	return int32(n), nil
}
