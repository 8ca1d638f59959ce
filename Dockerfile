# syntax=docker/dockerfile:1
# revel-connect: a Benthos distribution with the revel_poller input.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t revel-connect .
#   docker run --rm -v $PWD/config/callback.yaml:/config/pipeline.yaml:ro \
#     -v revel-state:/var/lib/revel-connect -e REVEL_SUBDOMAIN=acme ... revel-connect
#
# CI cannot pull base images, so it builds the same binary with `make build`
# (the same target this image runs) and tests that one.

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG DATE=unknown
# CGO_ENABLED=0 -trimpath -tags timetzdata: static, reproducible, and with
# zone data built in, since Revel's dates are read in IANA zones.
RUN make build VERSION="$VERSION" DATE="$DATE" && mkdir -p /state

# distroless/static: CA certificates and tzdata, no shell, uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/revel-connect /usr/local/bin/revel-connect
# Checkpoints (the atomic_file cache of config/*.yaml) live here; a named
# volume mounted over it inherits this owner.
COPY --from=build --chown=nonroot:nonroot /state /var/lib/revel-connect
VOLUME ["/config", "/var/lib/revel-connect"]
USER nonroot:nonroot
# Benthos' HTTP server: /ready, /ping, /metrics (with a metrics exporter).
EXPOSE 4195
# No shell in the image, so the binary checks itself. Orchestrators that
# ignore HEALTHCHECK (Kubernetes) should probe GET /ready on port 4195.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/revel-connect", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/revel-connect"]
# revel-connect binds its HTTP server to 127.0.0.1:4195 unless told otherwise;
# inside a container that is unreachable from outside it, so the published
# port, Prometheus and Kubernetes probes need 0.0.0.0 (it overrides the
# config's http.address). Publish it on the host's loopback, or keep it on a
# private network (docs/security.md). Streams mode refuses 0.0.0.0 without
# http.basic_auth.
CMD ["run", "--set", "http.address=0.0.0.0:4195", "/config/pipeline.yaml"]
