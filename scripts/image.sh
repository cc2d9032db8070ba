#!/usr/bin/env bash
# Builds the release image into local container storage with buildah (vfs
# storage, no daemon, no registry): the static binaries for linux/amd64 and
# linux/arm64 as one manifest list, each image FROM scratch with the CA
# bundle, numeric non-root user 65532, /runpod-kubelet as the entrypoint and
# OCI labels (source, revision, version). The Dockerfile builds the same
# layout for users with a registry (tests/image checks both agree).
#
#   scripts/image.sh [TAG] [--oci-archive FILE]
#
# TAG defaults to localhost/runpod-kubelet:dev; --oci-archive also writes
# the manifest list and both images to FILE (an OCI layout tar).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=localhost/runpod-kubelet:dev
archive=""
while [ $# -gt 0 ]; do
	case "$1" in
	--oci-archive) archive=$2; shift 2 ;;
	--oci-archive=*) archive=${1#*=}; shift ;;
	-*) echo "usage: scripts/image.sh [TAG] [--oci-archive FILE]" >&2; exit 2 ;;
	*) tag=$1; shift ;;
	esac
done

ca=/etc/ssl/certs/ca-certificates.crt
[ -s "$ca" ] || { echo "image.sh: $ca is missing (Debian: apt-get install ca-certificates)" >&2; exit 1; }
command -v buildah >/dev/null || { echo "image.sh: buildah is not installed (Debian: apt-get install buildah)" >&2; exit 1; }
bah() { buildah --storage-driver vfs "$@"; }

revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
version=${RPK_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
source_url=${RPK_SOURCE_URL:-https://github.com/runpod-kubelet/runpod-kubelet}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bah manifest rm "$tag" >/dev/null 2>&1 || true
bah rmi -f "$tag" >/dev/null 2>&1 || true
bah manifest create "$tag" >/dev/null
for arch in amd64 arm64; do
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -ldflags "-s -w" -o "$work/$arch/runpod-kubelet" .
	ctr=$(bah from --os linux --arch "$arch" scratch)
	bah copy --chmod 0555 "$ctr" "$work/$arch/runpod-kubelet" /runpod-kubelet >/dev/null
	bah copy --chmod 0444 "$ctr" "$ca" /etc/ssl/certs/ca-certificates.crt >/dev/null
	bah config --os linux --arch "$arch" --user 65532:65532 --workingdir / \
		--entrypoint '["/runpod-kubelet"]' --cmd '' --port 10250 --port 8080 \
		--label org.opencontainers.image.title=runpod-kubelet \
		--label org.opencontainers.image.source="$source_url" \
		--label org.opencontainers.image.revision="$revision" \
		--label org.opencontainers.image.version="$version" "$ctr"
	bah commit --quiet --format oci --rm "$ctr" "$tag-$arch" >/dev/null
	bah manifest add --os linux --arch "$arch" "$tag" "containers-storage:$tag-$arch" >/dev/null
	echo "image.sh: linux/$arch: $(stat -c %s "$work/$arch/runpod-kubelet") bytes of binary"
done
if [ -n "$archive" ]; then
	rm -f "$archive"
	bah manifest push --quiet --all --format oci "$tag" "oci-archive:$archive"
	echo "image.sh: wrote $archive ($(stat -c %s "$archive") bytes)"
fi
echo "image.sh: built $tag (linux/amd64, linux/arm64) at $revision"
