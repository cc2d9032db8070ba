#!/usr/bin/env bash
# Installs the tools the tests need that are not Go dependencies of
# runpod-kubelet: helm (the install tests) and metrics-server (`kubectl top`
# end to end), built from source through the Go module proxy (a few minutes
# on 2 cores, once) into a versioned cache directory. A second run is a
# no-op. Prints the bin directory on stdout; progress goes to stderr.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
METRICS_SERVER_VERSION="${METRICS_SERVER_VERSION:-v0.8.0}"
CACHE_ROOT="${RPK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/runpod-kubelet}"
BIN="$CACHE_ROOT/tools/bin"

have_helm() {
	[ -x "$BIN/helm" ] && [ "$("$BIN/helm" version --template '{{.Version}}' 2>/dev/null)" = "$HELM_VERSION" ]
}

have_metrics_server() {
	[ -x "$BIN/metrics-server" ] && [ "$(cat "$BIN/.metrics-server-version" 2>/dev/null)" = "$METRICS_SERVER_VERSION" ]
}

have_all() { have_helm && have_metrics_server; }

# One build at a time: test packages and scripts may call this together.
build_once "$BIN" have_all

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! have_helm; then
start=$(now_ms)
echo "building helm $HELM_VERSION into $BIN; about a minute on 2 cores, once" >&2
# A private build cache, so this one-off build does not crowd the project's.
# Outside any module (cd "$work"), `go install pkg@version` never reads or
# changes this repository's go.mod.
cd "$work"
GOCACHE="$work/gocache" GOFLAGS="-mod=mod" CGO_ENABLED=0 GOBIN="$BIN" \
	go install -trimpath \
	-ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
	"helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
have_helm || { echo "helm $HELM_VERSION did not install into $BIN" >&2; exit 1; }
echo "helm $HELM_VERSION built in $(secs_since "$start")s" >&2
fi
if ! have_metrics_server; then
	start=$(now_ms)
	echo "building metrics-server $METRICS_SERVER_VERSION into $BIN; a few minutes on 2 cores, once" >&2
	cd "$work"
	GOCACHE="$work/gocache" GOFLAGS="-mod=mod" CGO_ENABLED=0 GOBIN="$BIN" \
		go install -trimpath -ldflags "-s -w" "sigs.k8s.io/metrics-server/cmd/metrics-server@$METRICS_SERVER_VERSION" >&2
	echo "$METRICS_SERVER_VERSION" >"$BIN/.metrics-server-version"
	have_metrics_server || { echo "metrics-server $METRICS_SERVER_VERSION did not install into $BIN" >&2; exit 1; }
	echo "metrics-server $METRICS_SERVER_VERSION built in $(secs_since "$start")s" >&2
fi
echo "$BIN"
