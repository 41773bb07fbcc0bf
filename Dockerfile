# syntax=docker/dockerfile:1
# Gatehouse: a static binary on a distroless base, running as non-root.
#
#   docker build -t gatehouse .
#   docker run --rm -v $PWD/gateway.yaml:/etc/gatehouse/gateway.yaml:ro gatehouse
#
# The image runs `gatehouse serve -c /etc/gatehouse/gateway.yaml`; mount the
# configuration, users file and signing key (keep keys out of the image).

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first: this layer is cached until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# -tags as in the Makefile (TAGS).
RUN CGO_ENABLED=0 go build -trimpath -tags nomsgpack -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/gatehouse ./cmd/gatehouse \
    && mkdir -p /out/state

# distroless/static: CA certificates, tzdata, /etc/passwd with "nonroot"
# (65532), and nothing else (no shell, no package manager).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gatehouse /usr/local/bin/gatehouse
# Writable by the non-root user, for a signing key volume.
COPY --from=build --chown=65532:65532 /out/state /var/lib/gatehouse
USER 65532:65532
# server.listen and server.admin_listen of the configuration.
EXPOSE 8080 9090
ENTRYPOINT ["/usr/local/bin/gatehouse"]
CMD ["serve", "-c", "/etc/gatehouse/gateway.yaml"]
