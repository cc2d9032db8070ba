#!/usr/bin/env bash
# Runs a local Kubernetes control plane (etcd, kube-apiserver, kube-scheduler,
# kube-controller-manager) on 127.0.0.1 for the virtual kubelet, its demo and
# its end-to-end tests. No kubelet runs here: runpod-kubelet is the only node.
#
#   scripts/controlplane.sh start|stop [--purge]|status|env
#   scripts/controlplane.sh sa-kubeconfig NAMESPACE NAME OUTFILE [DURATION]
#
# sa-kubeconfig writes OUTFILE, a kubeconfig for ServiceAccount NAMESPACE/NAME
# (created if missing) with a token of DURATION (1h; kubectl create token's
# --duration), against the same server and CA as admin.kubeconfig. The demo and
# tests/cluster both use it, so there is one way to run as a ServiceAccount.
#
# Settings (environment):
#   RPK_STATE_DIR       PKI, etcd data, logs, pids, kubeconfigs ($PWD/.cache/controlplane)
#   RPK_APISERVER_PORT  kube-apiserver secure port (6443)
#   RPK_ETCD_PORT       etcd client port (2379); the peer port is the next one
#   RPK_NODE_NAME       the virtual node the node credentials are for (virtual-runpod)
#   RPK_BIN_DIR         the binaries (default: scripts/controlplane-build.sh, cached build)
#   RPK_VERIFY_KUBELET  1 = the apiserver verifies the kubelet's serving cert against ca.crt;
#                       the kubelet must then serve kubelet-<node>.crt (default 0: not verified)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${RPK_STATE_DIR:-$PWD/.cache/controlplane}
case $STATE in /*) ;; *) STATE=$PWD/$STATE ;; esac
API_PORT=${RPK_APISERVER_PORT:-6443}
ETCD_PORT=${RPK_ETCD_PORT:-2379}
PEER_PORT=$((ETCD_PORT + 1))
NODE=${RPK_NODE_NAME:-virtual-runpod}
PKI=$STATE/pki
# Start order.
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler)
READY_TIMEOUT=60

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
die() { echo "controlplane: $*" >&2; exit 1; }

pid_of() { cat "$STATE/pids/$1.pid" 2>/dev/null || true; }
# running NAME: the pid file names a live process of that binary.
running() { pid_alive "$STATE/pids/$1.pid" "$1"; }

# ---------------------------------------------------------------- PKI

# ec_key FILE: a P-256 key; 20x cheaper than RSA on a busy 2-core machine.
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# cert NAME SUBJECT EXTENDED_KEY_USAGE [SANS]: a CA-signed key pair, kept if present.
cert() {
	local name=$1 subject=$2 usage=$3 sans=${4:-}
	[ -s "$PKI/$name.crt" ] && [ -s "$PKI/$name.key" ] && return 0
	ec_key "$PKI/$name.key"
	openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
	{
		echo "basicConstraints=critical,CA:FALSE"
		echo "keyUsage=critical,digitalSignature"
		echo "extendedKeyUsage=$usage"
		if [ -n "$sans" ]; then echo "subjectAltName=$sans"; fi
	} >"$PKI/$name.ext"
	openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
		-set_serial "0x$(openssl rand -hex 16)" -days 825 -sha256 \
		-extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
	rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

make_pki() {
	mkdir -p "$PKI"
	chmod 700 "$PKI"
	if ! [ -s "$PKI/ca.crt" ] || ! [ -s "$PKI/ca.key" ]; then
		rm -f "$PKI"/*.crt "$PKI"/*.key # certs signed by a lost CA are useless
		ec_key "$PKI/ca.key"
		openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=runpod-kubelet-ca" -days 3650 -sha256 \
			-config <(printf '[req]\ndistinguished_name=dn\n[dn]\n[v3_ca]\n%s\n%s\n%s\n' \
				"basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
				"subjectKeyIdentifier=hash") \
			-extensions v3_ca -out "$PKI/ca.crt"
	fi
	cert apiserver "/CN=kube-apiserver" serverAuth \
		"IP:127.0.0.1,IP:::1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
	cert admin "/O=system:masters/CN=kubernetes-admin" clientAuth
	cert scheduler "/CN=system:kube-scheduler" clientAuth
	cert controller-manager "/CN=system:kube-controller-manager" clientAuth
	cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
	# The aggregation layer's front proxy (metrics-server behind the apiserver);
	# the one CA signs it too, and --requestheader-allowed-names pins its CN.
	cert front-proxy-client "/CN=front-proxy-client" clientAuth
	# The virtual kubelet's identities: a client cert for the Node authorizer and a
	# CA-signed serving cert for its HTTPS port (logs, exec), both per node name.
	cert "node-$NODE" "/O=system:nodes/CN=system:node:$NODE" clientAuth
	cert "kubelet-$NODE" "/O=system:nodes/CN=system:node:$NODE" serverAuth \
		"IP:127.0.0.1,IP:::1,DNS:localhost,DNS:$NODE"
	if ! [ -s "$PKI/sa.key" ] || ! [ -s "$PKI/sa.pub" ]; then # RS256 service-account tokens
		openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
		openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
	fi
	cp "$PKI/ca.crt" "$STATE/ca.crt"
}

# kubeconfig FILE CERT_NAME USER: a self-contained kubeconfig (embedded data).
kubeconfig() {
	cat >"$STATE/$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: runpod-kubelet
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $3
  user:
    client-certificate-data: $(base64 -w0 <"$PKI/$2.crt")
    client-key-data: $(base64 -w0 <"$PKI/$2.key")
contexts:
- name: $3@runpod-kubelet
  context: {cluster: runpod-kubelet, user: $3}
current-context: $3@runpod-kubelet
EOF
	chmod 600 "$STATE/$1"
}

# write_kubeconfigs [running]: node.kubeconfig names RPK_NODE_NAME's identity, but a
# start against a running plane (a test reusing a demo's) leaves it as it was and
# writes only node-<name>.kubeconfig.
write_kubeconfigs() {
	kubeconfig admin.kubeconfig admin kubernetes-admin
	kubeconfig "node-$NODE.kubeconfig" "node-$NODE" "system:node:$NODE"
	if [ "${1:-}" != running ] || ! [ -s "$STATE/node.kubeconfig" ]; then
		cp "$STATE/node-$NODE.kubeconfig" "$STATE/node.kubeconfig"
	fi
	kubeconfig scheduler.kubeconfig scheduler system:kube-scheduler
	kubeconfig controller-manager.kubeconfig controller-manager system:kube-controller-manager
}

# ---------------------------------------------------------------- processes

# args_for NAME sets ARGS to the component's command line.
args_for() {
	case $1 in
	etcd)
		ARGS=(--name=rpk --data-dir="$STATE/etcd" --log-level=warn --unsafe-no-fsync
			--listen-client-urls="http://127.0.0.1:$ETCD_PORT"
			--advertise-client-urls="http://127.0.0.1:$ETCD_PORT"
			--listen-peer-urls="http://127.0.0.1:$PEER_PORT"
			--initial-advertise-peer-urls="http://127.0.0.1:$PEER_PORT"
			--initial-cluster="rpk=http://127.0.0.1:$PEER_PORT")
		;;
	kube-apiserver)
		ARGS=(--etcd-servers="http://127.0.0.1:$ETCD_PORT"
			--bind-address=127.0.0.1 --secure-port="$API_PORT" --advertise-address=127.0.0.1
			--tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key"
			--client-ca-file="$PKI/ca.crt"
			"--authorization-mode=Node,RBAC" --enable-admission-plugins=NodeRestriction
			--service-account-issuer=https://kubernetes.default.svc.cluster.local
			--service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key"
			--service-cluster-ip-range=10.0.0.0/24 --endpoint-reconciler-type=none
			--kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt"
			--kubelet-client-key="$PKI/apiserver-kubelet-client.key"
			"--kubelet-preferred-address-types=InternalIP,Hostname"
			--requestheader-client-ca-file="$PKI/ca.crt" --requestheader-allowed-names=front-proxy-client
			--requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group
			--requestheader-extra-headers-prefix=X-Remote-Extra-
			--proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key"
			--enable-aggregator-routing=true
			--profiling=false)
		# Without this flag the apiserver skips verifying the kubelet's serving cert.
		if [ "${RPK_VERIFY_KUBELET:-0}" = 1 ]; then ARGS+=(--kubelet-certificate-authority="$PKI/ca.crt"); fi
		;;
	kube-controller-manager)
		ARGS=(--kubeconfig="$STATE/controller-manager.kubeconfig"
			--leader-elect=false --secure-port=0 --controllers='*'
			--use-service-account-credentials
			--service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt"
			--cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key"
			--service-cluster-ip-range=10.0.0.0/24 --profiling=false)
		;;
	kube-scheduler)
		ARGS=(--kubeconfig="$STATE/scheduler.kubeconfig" --leader-elect=false --secure-port=0
			--profiling=false)
		;;
	esac
}

# launch NAME: detached (own session, no terminal), log and pid in the state dir.
launch() {
	local name=$1
	args_for "$name"
	# A script has no job control, so setsid execs in place and $! is the component.
	setsid nohup "$BIN/$name" "${ARGS[@]}" >>"$STATE/logs/$name.log" 2>&1 </dev/null &
	echo $! >"$STATE/pids/$name.pid"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# fail NAME WHY: print the component's log tail and give up.
fail() {
	echo "controlplane: $2; last lines of $STATE/logs/$1.log:" >&2
	tail -n 40 "$STATE/logs/$1.log" >&2 || true
	echo "controlplane: what did start still runs; '$0 stop' ends it" >&2
	exit 1
}

# wait_for NAME WHAT COMMAND...: poll COMMAND until it succeeds, NAME dies or time runs out.
wait_for() {
	local name=$1 what=$2
	shift 2
	until "$@" >/dev/null 2>&1; do
		running "$name" || fail "$name" "$name exited while waiting for $what"
		[ "$(now_ms)" -lt "$DEADLINE" ] || fail "$name" "timed out after ${READY_TIMEOUT}s waiting for $what"
		sleep 0.2
	done
}

kubectl_admin() { "$BIN/kubectl" --kubeconfig "$STATE/admin.kubeconfig" --request-timeout=5s "$@"; }

start() {
	BIN=${RPK_BIN_DIR:-$("$ROOT/scripts/controlplane-build.sh")}
	for b in "${COMPONENTS[@]}" etcdctl kubectl; do
		[ -x "$BIN/$b" ] || die "$BIN/$b missing (RPK_BIN_DIR or scripts/controlplane-build.sh)"
	done
	mkdir -p "$STATE/logs" "$STATE/pids"
	echo "$BIN" >"$STATE/bin-dir"
	local all=1 any=0 c t
	for c in "${COMPONENTS[@]}"; do if running "$c"; then any=1; else all=0; fi; done
	# A running plane keeps the ports it was started with, whatever the caller set.
	if [ "$any" = 1 ] && [ -s "$STATE/ports" ]; then
		read -r API_PORT ETCD_PORT <"$STATE/ports"
		PEER_PORT=$((ETCD_PORT + 1))
	fi
	echo "$API_PORT $ETCD_PORT" >"$STATE/ports"
	t=$(now_ms)
	make_pki
	if [ "$all" = 1 ]; then
		write_kubeconfigs running
		echo "control plane already running in $STATE"
		status
		return 0
	fi
	write_kubeconfigs
	step_line "$t" "PKI and kubeconfigs in $STATE"
	DEADLINE=$(($(now_ms) + READY_TIMEOUT * 1000))

	t=$(now_ms)
	if ! running etcd; then
		port_free "$ETCD_PORT" || die "etcd port $ETCD_PORT is taken (set RPK_ETCD_PORT)"
		port_free "$PEER_PORT" || die "etcd peer port $PEER_PORT is taken (set RPK_ETCD_PORT)"
		launch etcd
	fi
	wait_for etcd "etcd health" "$BIN/etcdctl" --endpoints="http://127.0.0.1:$ETCD_PORT" \
		--command-timeout=2s endpoint health
	step_line "$t" "etcd healthy on 127.0.0.1:$ETCD_PORT"

	t=$(now_ms)
	if ! running kube-apiserver; then
		port_free "$API_PORT" || die "apiserver port $API_PORT is taken (set RPK_APISERVER_PORT)"
		launch kube-apiserver
	fi
	wait_for kube-apiserver "/readyz" kubectl_admin get --raw /readyz
	step_line "$t" "kube-apiserver ready on 127.0.0.1:$API_PORT"

	t=$(now_ms)
	running kube-controller-manager || launch kube-controller-manager
	running kube-scheduler || launch kube-scheduler
	wait_for kube-controller-manager "ServiceAccount default/default" \
		kubectl_admin -n default get serviceaccount default
	running kube-scheduler || fail kube-scheduler "kube-scheduler exited"
	step_line "$t" "controller-manager and scheduler up"
	echo "control plane ready: export KUBECONFIG=$STATE/admin.kubeconfig"
}

# stop ends etcd last: together with the apiserver, each waits on the other's
# open watch streams and the pair can outlast the 5 s grace.
stop() {
	local p=$STATE/pids
	stop_pids --exe "$p/kube-scheduler.pid" "$p/kube-controller-manager.pid" "$p/kube-apiserver.pid"
	stop_pids --exe "$p/etcd.pid"
	rm -f "$STATE"/pids/*.pid
}

status() {
	local c rc=0
	for c in "${COMPONENTS[@]}"; do
		if running "$c"; then
			printf '  %-24s running (pid %s)\n' "$c" "$(pid_of "$c")"
		else
			printf '  %-24s stopped\n' "$c"
			rc=3
		fi
	done
	return "$rc"
}

# sa_kubeconfig NAMESPACE NAME OUTFILE [DURATION]: see the header; a token, not a
# client cert, so RBAC sees the ServiceAccount an installed kubelet runs as.
sa_kubeconfig() {
	if [ $# -lt 3 ] || [ $# -gt 4 ]; then die "usage: $0 sa-kubeconfig NAMESPACE NAME OUTFILE [DURATION]"; fi
	local ns=$1 name=$2 out=$3 duration=${4:-1h} user="system:serviceaccount:$1:$2" admin=$STATE/admin.kubeconfig
	local server ca created token
	[ -s "$admin" ] || die "no $admin: '$0 start' first"
	BIN=${RPK_BIN_DIR:-$(cat "$STATE/bin-dir" 2>/dev/null || true)}
	[ -x "$BIN/kubectl" ] || die "no kubectl in '$BIN' (set RPK_BIN_DIR)"
	server=$(sed -n 's/^    server: //p' "$admin")
	ca=$(sed -n 's/^    certificate-authority-data: //p' "$admin")
	# Create without a get first: two callers may race, and one sees "already exists".
	created=$(kubectl_admin -n "$ns" create serviceaccount "$name" 2>&1) ||
		grep -q 'already exists' <<<"$created" || die "create ServiceAccount $ns/$name: $created"
	token=$(kubectl_admin -n "$ns" create token "$name" --duration "$duration") ||
		die "token for ServiceAccount $ns/$name"
	mkdir -p "$(dirname "$out")"
	(
		umask 077 # the token is a credential
		cat >"$out" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: runpod-kubelet
  cluster:
    server: $server
    certificate-authority-data: $ca
users:
- name: "$user"
  user:
    token: $token
contexts:
- name: "$user"
  context:
    cluster: runpod-kubelet
    user: "$user"
    namespace: $ns
current-context: "$user"
EOF
	)
}

env_lines() {
	echo "export KUBECONFIG=$STATE/admin.kubeconfig"
	echo "export RPK_NODE_KUBECONFIG=$STATE/node.kubeconfig"
	echo "export RPK_STATE_DIR=$STATE"
	if [ -s "$STATE/bin-dir" ]; then echo "export PATH=$(cat "$STATE/bin-dir"):\$PATH"; fi
}

case ${1:-} in
start) start ;;
stop)
	t=$(now_ms)
	stop
	if [ "${2:-}" = --purge ]; then
		rm -rf "$STATE"
		step_line "$t" "stopped; deleted $STATE"
	else
		step_line "$t" "stopped; state kept in $STATE"
	fi
	;;
status) status ;;
env) env_lines ;;
sa-kubeconfig) shift; sa_kubeconfig "$@" ;;
*) die "usage: $0 start|stop [--purge]|status|env|sa-kubeconfig NAMESPACE NAME OUTFILE [DURATION]" ;;
esac
