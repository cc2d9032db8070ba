package app

import (
	"fmt"
	"net"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// newRESTConfig reads KUBECONFIG when set, else the in-cluster credentials.
func newRESTConfig(cfg *Config) (*rest.Config, error) {
	if cfg.Kubeconfig != "" {
		rc, err := clientcmd.BuildConfigFromFlags("", cfg.Kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("KUBECONFIG %s: %w", cfg.Kubeconfig, err)
		}
		return rc, nil
	}
	rc, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("no KUBECONFIG and not running in a cluster: %w", err)
	}
	return rc, nil
}

func newKubeClient(rc *rest.Config) (kubernetes.Interface, error) {
	// A created pod costs ~3 status updates; at 50 QPS a 100-pod burst
	// waited seconds for its status.
	return kubeClient(rc, "runpod-kubelet", 200, 400)
}

// bookkeepingClient is podsync's own client (the runpod.io/* annotations,
// its reads of Secrets and pods) and the Events': a QPS limit of its own, so
// a burst of those never queues the pod status writes (virtual-kubelet's, on
// the main client) behind them. At 1,000 pods they shared 200 QPS, and
// RUNNING → Ready waited seconds behind the creates' annotations and Events.
type bookkeepingClient struct{ kubernetes.Interface }

func newBookkeepingClient(rc *rest.Config) (bookkeepingClient, error) {
	c, err := kubeClient(rc, "runpod-kubelet/bookkeeping", 100, 200)
	return bookkeepingClient{c}, err
}

func kubeClient(rc *rest.Config, agent string, qps float32, burst int) (kubernetes.Interface, error) {
	rc = rest.CopyConfig(rc)
	rc.UserAgent = agent
	rc.QPS, rc.Burst = qps, burst
	c, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("build Kubernetes client %s: %w", agent, err)
	}
	return c, nil
}

func newRunPodClient(cfg *Config, m *Metrics) (*runpodapi.Client, error) {
	c, err := runpodapi.New(runpodapi.Config{BaseURL: cfg.APIURL, APIKey: cfg.APIKey, Observer: m.observeRunPod})
	if err != nil {
		return nil, fmt.Errorf("RUNPOD_API_URL: %w", err)
	}
	return c, nil
}

// nodeIP is POD_IP, else INTERNAL_IP, else this host's first non-loopback
// address: the API server reaches the kubelet API (logs) there.
func nodeIP(cfg *Config) string {
	if ip := cfg.NodeIP(); ip != "" {
		return ip
	}
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
				return ipn.IP.String()
			}
		}
	}
	return "127.0.0.1"
}
