#!/usr/bin/env bash
# Installs the tools the install tests need that are not Go dependencies of
# runpod-kubelet: helm, built from source through the Go module proxy (about
# a minute on 2 cores, once) into a versioned cache directory. A second run
# is a no-op. Prints the bin directory on stdout; progress goes to stderr.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
CACHE_ROOT="${RPK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/runpod-kubelet}"
BIN="$CACHE_ROOT/tools/bin"

have_helm() {
	[ -x "$BIN/helm" ] && [ "$("$BIN/helm" version --template '{{.Version}}' 2>/dev/null)" = "$HELM_VERSION" ]
}

# One build at a time: test packages and scripts may call this together.
build_once "$BIN" have_helm

start=$(now_ms)
echo "building helm $HELM_VERSION into $BIN; about a minute on 2 cores, once" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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
echo "$BIN"
