package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	"go.uber.org/fx"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/runpod-kubelet/runpod-kubelet/node"
	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/policy"
	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// The parts of the kubelet, one fx module per package they come from. fx
// builds them once per process; the leader term (term.go) starts and stops
// the ones only the leader runs: the virtual node's controllers and podsync.

// kubeModule: the Kubernetes clients and what comes from the API server.
var kubeModule = fx.Module("kubernetes",
	fx.Provide(newRESTConfig, newKubeClient, newBookkeepingClient, newClusterID, newRecorder, newKubeletAPI))

// runpodModule: the RunPod REST v2 client.
var runpodModule = fx.Module("runpodapi", fx.Provide(newRunPodClient))

// nodeModule: the virtual node object and its status provider.
var nodeModule = fx.Module("node", fx.Provide(newInternalIP, newNodeObject, newNodeProvider))

// podsyncModule: what every term's pod provider is built from.
var podsyncModule = fx.Module("podsync", fx.Provide(newPodsyncDeps))

// clusterID tells this cluster's RunPod pods from other clusters'.
type clusterID string

// newClusterID is CLUSTER_ID, else the UID of the kube-system namespace:
// stable for the cluster's life and the same for every replica.
func newClusterID(cfg *Config, kube kubernetes.Interface) (clusterID, error) {
	if cfg.ClusterID != "" {
		return clusterID(cfg.ClusterID), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns, err := kube.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("CLUSTER_ID is unset and the kube-system namespace UID cannot be read: %w", err)
	}
	return clusterID(ns.UID), nil
}

// newRecorder records Events through the API server until the app stops.
func newRecorder(lc fx.Lifecycle, cfg *Config, kube bookkeepingClient) record.EventRecorder {
	events := record.NewBroadcaster()
	events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: kube.CoreV1().Events("")})
	lc.Append(fx.StopHook(events.Shutdown))
	return events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "runpod-kubelet", Host: cfg.NodeName})
}

// kubeletAPI is how the kubelet API (logs) is served: TLS and the
// authentication and authorization of its callers.
type kubeletAPI struct {
	tls  *tls.Config
	auth nodeutil.Auth
}

// newKubeletAPI builds the kubelet API's TLS and auth; the watches they run
// (a rotated serving pair, the API server's client CA) last as long as the app.
func newKubeletAPI(lc fx.Lifecycle, cfg *Config, kube kubernetes.Interface, ip internalIP) (*kubeletAPI, error) {
	ctx, cancel := context.WithCancel(context.Background())
	lc.Append(fx.StopHook(cancel))
	tlsCfg, err := kubeletTLS(ctx, cfg, cfg.NodeName, string(ip))
	if err != nil {
		cancel()
		return nil, err
	}
	auth, err := kubeletAuth(ctx, kube, cfg.NodeName)
	if err != nil {
		cancel()
		return nil, err
	}
	return &kubeletAPI{tls: tlsCfg, auth: auth}, nil
}

// internalIP is where the API server reaches this replica's kubelet API.
type internalIP string

func newInternalIP(cfg *Config) internalIP { return internalIP(nodeIP(cfg)) }

func newNodeObject(cfg *Config, id clusterID, ip internalIP) (*corev1.Node, error) {
	n, err := node.NewObject(node.Settings{
		Name: cfg.NodeName, ClusterID: string(id), InternalIP: string(ip), KubeletPort: cfg.ListenAddr.Port,
		CPU: cfg.CapacityCPU.Quantity, Memory: cfg.CapacityMemory.Quantity, Pods: cfg.CapacityPods.Quantity, GPU: cfg.CapacityGPU.Quantity,
		MaxHourlySpend: cfg.MaxHourlySpend,
	}, metav1.Now())
	if err != nil {
		return nil, fmt.Errorf("build node %s: %w", cfg.NodeName, err)
	}
	return n, nil
}

func newNodeProvider(cfg *Config, n *corev1.Node, clk clock.WithTicker) (*node.Provider, *node.Reporter) {
	np := node.NewProvider(n, cfg.MaxHourlySpend, clk)
	return np, node.NewReporter(np)
}

// newPodsyncDeps is everything a term's pod provider needs but the way its
// Lease was won.
func newPodsyncDeps(cfg *Config, id clusterID, ip internalIP, n *corev1.Node, rp *runpodapi.Client,
	kube bookkeepingClient, recorder record.EventRecorder, health *node.Reporter, log *slog.Logger, m *Metrics,
	clk clock.WithTicker) podsync.Deps {
	return podsync.Deps{
		Settings: podsync.Settings{
			NodeSettings: cfg.Placement(string(id)), NodeIP: string(ip), Namespace: cfg.Namespace,
			MaxHourlySpend: cfg.MaxHourlySpend, ReconcileInterval: cfg.ReconcileInterval, StatusShare: cfg.StatusBudgetShare,
			MissingWindow: cfg.MissingPodWindow, YoungPodGrace: min(cfg.MissingPodWindow, time.Minute),
			OrphanGrace: cfg.OrphanGrace, CreateBound: rp.CallTimeout(), ExitedRetention: cfg.ExitedRetention,
			Admission: policy.Admission{NodeName: cfg.NodeName, Taints: n.Spec.Taints, Namespaces: cfg.AllowedNamespaces},
		},
		RunPod: rp, Kube: kube.Interface, Recorder: recorder, Health: health, Log: log, Metrics: m.pods, Clock: clk,
	}
}
