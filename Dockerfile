# Tolk's container image: a static binary and a ready search index for the
# embedded corpus, on distroless, as a non-root user.
#
#   docker build --build-arg VERSION=$(git describe --always) -t tolk .
#   docker run -p 8080:8080 tolk

# Build stage: the Go toolchain on Debian bookworm.
FROM golang:1.26-bookworm AS build
# The version stamped into the binary (tolk version, /metrics); "dev" unless given.
ARG VERSION=dev
# Work in a directory of our own.
WORKDIR /src
# Fetch the modules first, so this layer is cached until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
# Then the source (.dockerignore keeps .git, binaries and caches out).
COPY . .
# A static binary (no cgo, so it runs without libc), without local paths or debug tables.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/tolk ./cmd/tolk
# Build the persistent index of the embedded corpus now, so the server opens it instead of indexing at start.
RUN /out/tolk index --index /index

# Final stage: no shell, no package manager, only CA certificates and tzdata; user nonroot (65532).
FROM gcr.io/distroless/static-debian12:nonroot
# The binary, owned by root and not writable by the server.
COPY --from=build /out/tolk /tolk
# The index, owned by nonroot (65532): the server reopens it and keeps its change journal there.
COPY --from=build --chown=65532:65532 /index /index
# Run as the unprivileged user (the image's default, stated so it cannot drift).
USER 65532:65532
# Configuration only through TOLK_* variables; run `tolk serve -h` for the rest.
ENV TOLK_ADDR=:8080 \
    TOLK_INDEX=/index \
    TOLK_LOG_FORMAT=json \
    TOLK_HEALTHCHECK_URL=http://127.0.0.1:8080/readyz
# The API, /metrics and the health endpoints.
EXPOSE 8080
# Healthy once /readyz answers 200; the exec form, because the image has no shell.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/tolk", "healthcheck"]
# The binary is the entry point; arguments pick the subcommand.
ENTRYPOINT ["/tolk"]
# Serve by default (docker run IMAGE check, or index, runs another subcommand).
CMD ["serve"]
