# syntax=docker/dockerfile:1
# Multi-stage: a pinned Go builder cross-compiles a static binary for the
# target platform; the runtime is distroless static as nonroot, no shell.
#   docker buildx build --platform linux/amd64,linux/arm64 -t runpod-kubelet:dev .
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

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/runpod-kubelet /runpod-kubelet
USER 65532:65532
EXPOSE 10250 8080
ENTRYPOINT ["/runpod-kubelet"]
