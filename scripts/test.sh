#!/usr/bin/env bash
# Runs every test of the project: vet, unit tests with the race detector, a
# short fuzz of the annotation parsers, the end-to-end suites on a local
# control plane (built from source through the Go module proxy on first use,
# then cached), and the demo (README command 1). README command 2; .ci/run
# calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

t0=$(date +%s)
echo "== image and monitoring tools (buildah, podman, runc, promtool: installed when missing)"
missing=()
for tool in buildah:buildah podman:podman runc:runc promtool:prometheus; do
	command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" ca-certificates >/dev/null
fi
# The sandbox refuses to raise rlimits: no default ulimits for podman.
CONTAINERS_CONF=$(mktemp -d)/containers.conf
printf '[containers]\ndefault_ulimits = []\n' >"$CONTAINERS_CONF"
export CONTAINERS_CONF

echo "== go vet"
go vet ./...

echo "== go test -race (unit)"
go test -race -count=1 ./...

echo "== fuzz (short)"
for target in $(go test -list '^Fuzz' ./policy/ | grep '^Fuzz'); do
	go test -run '^$' -fuzz "^${target}\$" -fuzztime 5s ./policy/
done

echo "== the release image (scripts/image.sh: linux/amd64 + linux/arm64, FROM scratch)"
image_dir=$(mktemp -d)
scripts/image.sh localhost/runpod-kubelet:test --oci-archive "$image_dir/runpod-kubelet.tar"
RPK_IMAGE=localhost/runpod-kubelet:test RPK_IMAGE_ARCHIVE=$image_dir/runpod-kubelet.tar
export RPK_IMAGE RPK_IMAGE_ARCHIVE

echo "== control plane binaries and helm (built once, cached)"
RPK_BIN_DIR=$(scripts/controlplane-build.sh)
RPK_TOOLS_DIR=$(scripts/tools.sh)
export RPK_BIN_DIR RPK_TOOLS_DIR

echo "== end-to-end (real etcd, kube-apiserver, scheduler, controller-manager)"
RPK_E2E=1 go test -race -count=1 -p 1 -timeout 45m ./tests/...

echo "== the demo (README command 1), twice: a second run starts fresh"
demo_dir=$(mktemp -d)
trap 'RPK_STATE_DIR=$demo_dir/state scripts/demo.sh stop >/dev/null 2>&1 || true; rm -rf "$demo_dir"' EXIT
for run in 1 2; do
	if ! RPK_STATE_DIR=$demo_dir/state scripts/demo.sh >"$demo_dir/run-$run.log" 2>&1; then
		echo "demo run $run failed:"; cat "$demo_dir/run-$run.log"; exit 1
	fi
	echo "demo run $run: $(grep -c ' Running ' "$demo_dir/run-$run.log") pods Running"
done

echo "== all tests passed in $(($(date +%s) - t0))s"
