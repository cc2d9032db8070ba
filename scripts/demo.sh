#!/usr/bin/env bash
# The demo: a local control plane, the RunPod simulator and runpod-kubelet
# (with the RBAC an installed one has), then the examples. Leaves everything
# running. `scripts/demo.sh stop` stops it all (logs stay in .cache/demo until
# the next run, which starts from a fresh cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export RPK_STATE_DIR="${RPK_STATE_DIR:-$root/.cache/demo}"
SIM_ADDR="${SIM_ADDR:-127.0.0.1:8999}"
KUBELET_ADDR="${KUBELET_ADDR:-127.0.0.1:10250}"
HEALTH_ADDR="${HEALTH_ADDR:-127.0.0.1:18080}"
SIM_KEY="${SIM_KEY:-demo-key}"
run_dir="$RPK_STATE_DIR/demo"
bin="$root/.cache/bin/runpod-kubelet"

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
stop_pid() { stop_pids "$run_dir/$1.pid"; }

if [ "${1:-}" = stop ]; then
	stop_pid kubelet
	stop_pid simulator
	scripts/controlplane.sh stop
	exit 0
fi

# The simulator starts empty on every run, so the cluster must too: pods kept
# in etcd by an earlier run would name RunPod pods that no longer exist.
stop_pid kubelet
stop_pid simulator
scripts/controlplane.sh stop --purge >/dev/null 2>&1 || true
mkdir -p "$run_dir" "$(dirname "$bin")"
step_begin "building runpod-kubelet"
go build -o "$bin" .
go build -o "$bin-simulator" ./runpodapi/simulator/cmd/runpod-simulator
step_end
step_begin "building the control plane (cached after the first run)"
bindir=$(scripts/controlplane-build.sh)
export PATH="$bindir:$PATH"
step_end
step_begin "starting etcd, apiserver, scheduler, controller-manager"
scripts/controlplane.sh start >"$run_dir/controlplane.log" 2>&1 || { cat "$run_dir/controlplane.log"; exit 1; }
export KUBECONFIG="$RPK_STATE_DIR/admin.kubeconfig"
step_end

step_begin "starting the RunPod simulator on $SIM_ADDR"
stop_pid simulator
RUNPOD_API_KEY="$SIM_KEY" nohup "$bin-simulator" --listen "$SIM_ADDR" --provisioning-delay 3s --starting-delay 2s \
	>"$run_dir/simulator.log" 2>&1 &
echo $! >"$run_dir/simulator.pid"
step_end

step_begin "applying RBAC; kubelet runs as ServiceAccount runpod-kubelet"
kubectl apply -k kustomize/rbac >/dev/null
sa_kubeconfig="$run_dir/kubelet.kubeconfig"
scripts/controlplane.sh sa-kubeconfig kube-system runpod-kubelet "$sa_kubeconfig" 24h
step_end

step_begin "starting runpod-kubelet"
stop_pid kubelet
KUBECONFIG="$sa_kubeconfig" RUNPOD_API_KEY="$SIM_KEY" RUNPOD_API_URL="http://$SIM_ADDR" \
	LISTEN_ADDR="$KUBELET_ADDR" HEALTH_ADDR="$HEALTH_ADDR" INTERNAL_IP=127.0.0.1 \
	MAX_GPU_PRICE=1 MAX_HOURLY_SPEND=10 RECONCILE_INTERVAL=5s \
	nohup "$bin" >"$run_dir/kubelet.log" 2>&1 &
echo $! >"$run_dir/kubelet.pid"
for _ in $(seq 60); do
	kubectl get node virtual-runpod >/dev/null 2>&1 && break
	kill -0 "$(cat "$run_dir/kubelet.pid")" 2>/dev/null || { echo; tail -20 "$run_dir/kubelet.log"; exit 1; }
	sleep 1
done
kubectl wait --for=condition=Ready node/virtual-runpod --timeout=60s >/dev/null
step_end

step_begin "applying examples/ (GPU pod, Job, HTTP server)"
kubectl apply -f examples/ >/dev/null
kubectl wait --for=condition=Ready pod/nvidia-smi pod/inference --timeout=90s >/dev/null
step_end

echo
kubectl get nodes,pods -o wide
echo
echo "RunPod annotations of pod/inference:"
kubectl get pod inference -o json | python3 -c 'import json,sys
for k,v in sorted(json.load(sys.stdin)["metadata"]["annotations"].items()):
    if k.startswith("runpod.io/"): print(f"  {k}: {v}")' 2>/dev/null || kubectl get pod inference -o jsonpath='{.metadata.annotations}'
echo
echo "kubectl logs nvidia-smi --tail 5:"
for _ in $(seq 10); do [ -n "$(kubectl logs nvidia-smi --tail 1 2>/dev/null)" ] && break; sleep 1; done
kubectl logs nvidia-smi --tail 5 | sed 's/^/  /'
echo
echo "node spend:"
kubectl get node virtual-runpod -o jsonpath='{range .status.conditions[?(@.type=="RunPodSpend")]}  {.message}{"\n"}{end}'
echo
echo "Everything is running. Try: export KUBECONFIG=$KUBECONFIG PATH=$bindir:\$PATH; kubectl get pods -w"
echo "Stop it all with: scripts/demo.sh stop"
