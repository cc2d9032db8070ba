#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-scheduler, kube-controller-manager and
# kubectl from source through the Go module proxy into a versioned cache
# directory. A second run is a no-op; a run beside a build waits for it.
# Prints the bin directory on stdout.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

K8S_VERSION="${K8S_VERSION:-v1.35.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.5}"
CACHE_ROOT="${RPK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/runpod-kubelet}"
BIN="$CACHE_ROOT/controlplane-$K8S_VERSION-etcd-$ETCD_VERSION/bin"
BINARIES=(etcd etcdctl kube-apiserver kube-controller-manager kube-scheduler kubectl)

have_all() {
	for b in "${BINARIES[@]}"; do [ -x "$BIN/$b" ] || return 1; done
}
build_once "$BIN" have_all

start=$(now_ms)
echo "building the control plane $K8S_VERSION (etcd $ETCD_VERSION) into $BIN; about 7 minutes on 2 cores, once" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOCACHE="$work/gocache" GOFLAGS="-mod=mod" CGO_ENABLED=0

kmod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
staging=$(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/k8s.io/.*#\1#p' "$kmod")
{
	echo "module rpk.local/controlplane"
	echo
	grep -E '^go [0-9]' "$kmod"
	grep -E '^godebug ' "$kmod" || true
	echo
	echo "require ("
	echo "	k8s.io/kubernetes $K8S_VERSION"
	echo "	go.etcd.io/etcd/server/v3 $ETCD_VERSION"
	echo "	go.etcd.io/etcd/etcdctl/v3 $ETCD_VERSION"
	echo ")"
	echo
	echo "replace ("
	for m in $staging; do echo "	$m => $m v0.$minor.${K8S_VERSION##*.}"; done
	echo ")"
} >"$work/go.mod"
cat >"$work/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
cd "$work"
echo "  resolving modules" >&2
go mod tidy >&2
ld="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ld="$ld -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
mkdir -p "$work/out"
echo "  compiling" >&2
go build -trimpath -ldflags "$ld" -o "$work/out/" \
	k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
	k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl >&2
go build -trimpath -ldflags "-s -w" -o "$work/out/etcd" go.etcd.io/etcd/server/v3 >&2
go build -trimpath -ldflags "-s -w" -o "$work/out/etcdctl" go.etcd.io/etcd/etcdctl/v3 >&2
for b in "${BINARIES[@]}"; do mv "$work/out/$b" "$BIN/$b"; done
echo "  built in $(secs_since "$start")s" >&2
echo "$BIN"
