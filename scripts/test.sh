#!/usr/bin/env bash
# Runs every test of the project: vet, unit tests with the race detector, a
# short fuzz of the annotation parsers, the end-to-end suites on a local
# control plane (built from source through the Go module proxy on first use,
# then cached), and the demo (README command 1). README command 2; .ci/run
# calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

t0=$(date +%s)
echo "== go vet"
go vet ./...

echo "== static builds for the image's platforms (linux/amd64, linux/arm64)"
for arch in amd64 arm64; do
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -o /dev/null .
done

echo "== go test -race (unit)"
go test -race -count=1 ./...

echo "== fuzz (short)"
for target in $(go test -list '^Fuzz' ./policy/ | grep '^Fuzz'); do
	go test -run '^$' -fuzz "^${target}\$" -fuzztime 5s ./policy/
done

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
