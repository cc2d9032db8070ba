package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/podsync"
	"github.com/runpod-kubelet/runpod-kubelet/tests/kubeletproc"
)

// podmanArgs are the flags this sandbox needs: vfs storage, runc, cgroupfs
// (CONTAINERS_CONF clears the default ulimits the sandbox refuses).
var podmanArgs = []string{"--storage-driver", "vfs", "--runtime", "runc", "--cgroup-manager", "cgroupfs"}

// Scenario 18: the release image (scripts/image.sh, RPK_IMAGE) runs the
// node. Podman runs it on the host network as the image's own user with
// only a kubeconfig mounted; the node goes Ready and a pod Runs on RunPod.
func TestReleaseImageRunsTheNode(t *testing.T) {
	image := os.Getenv("RPK_IMAGE")
	if image == "" {
		if os.Getenv("RPK_E2E") == "1" && os.Getenv("RPK_IMAGE_ARCHIVE") != "" {
			t.Fatal("RPK_IMAGE is unset though an image was built")
		}
		t.Skip("set RPK_IMAGE to an image scripts/image.sh built (scripts/test.sh does)")
	}
	t.Parallel() // no latency assertion: safe beside another scenario
	e := newEnv(t, nil)
	conf := filepath.Join(t.TempDir(), "kubeconfig")
	raw, err := os.ReadFile(e.saConf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, raw, 0o644); err != nil { // readable by the image's user 65532
		t.Fatal(err)
	}
	name := "rpk-e2e-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	args := append(append([]string{}, podmanArgs...), "run", "--rm", "--name", name, "--network", "host",
		"-v", conf+":/etc/runpod-kubelet/kubeconfig:ro",
		"-e", "KUBECONFIG=/etc/runpod-kubelet/kubeconfig",
		"-e", "RUNPOD_API_KEY="+simKey, "-e", "RUNPOD_API_URL="+e.sim.URL,
		"-e", "NODE_NAME="+nodeName, "-e", "POD_NAME=image-replica", "-e", "INTERNAL_IP=127.0.0.1",
		"-e", "LISTEN_ADDR="+kubeletproc.FreeAddr(t), "-e", "HEALTH_ADDR="+kubeletproc.FreeAddr(t),
		"-e", "MAX_GPU_PRICE=3", "-e", "RECONCILE_INTERVAL=2s", image)
	logPath := filepath.Join(t.TempDir(), "container.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("podman", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop := exec.Command("podman", append(append([]string{}, podmanArgs...), "stop", "--time", "15", name)...)
		_ = stop.Run()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			t.Logf("--- container log ---\n%s", out)
		}
	})

	e.waitNodeReady()
	e.apply(gpuPod("from-image", 1, nil, `      command: ["sh", "-c", "echo hello from the image's kubelet; sleep 3600"]
`))
	p := e.waitPod("from-image", 90*time.Second, "Running and annotated", func(p *corev1.Pod) bool {
		return running(p) && p.Annotations[podsync.AnnotationPodID] != ""
	})
	if _, ok := e.sim.Pod(p.Annotations[podsync.AnnotationPodID]); !ok {
		t.Errorf("the pod's RunPod pod %s is not in the simulator", p.Annotations[podsync.AnnotationPodID])
	}
	e.c.Kubectl(t, "delete", "pod", "from-image", "--wait=true", "--timeout=60s")
	e.plWaitRunPodGone(p.Annotations[podsync.AnnotationPodID], 30*time.Second)
}
