# syntax=docker/dockerfile:1
# Multi-stage: a pinned Go builder cross-compiles a static binary for the
# target platform; the runtime is FROM scratch with the CA bundle, as
# numeric non-root user 65532, no shell. scripts/image.sh builds the same
# layout without a registry or daemon (tests/image checks they agree).
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     --build-arg VERSION=$(git describe --tags --always) --build-arg REVISION=$(git rev-parse HEAD) -t runpod-kubelet:dev .
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build
ARG TARGETOS=linux
ARG TARGETARCH=amd64
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w" -o /out/runpod-kubelet .

FROM scratch
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=https://github.com/runpod-kubelet/runpod-kubelet
LABEL org.opencontainers.image.title=runpod-kubelet \
      org.opencontainers.image.source=$SOURCE \
      org.opencontainers.image.revision=$REVISION \
      org.opencontainers.image.version=$VERSION
COPY --from=build --chmod=0444 /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build --chmod=0555 /out/runpod-kubelet /runpod-kubelet
USER 65532:65532
EXPOSE 10250 8080
ENTRYPOINT ["/runpod-kubelet"]
