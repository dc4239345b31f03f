# syntax=docker/dockerfile:1
# Portico's image: the `portico` controller and the nginx it supervises.
#   docker build --build-arg PORTICO_COMMIT=$(git rev-parse HEAD) -t registry.example.com/portico:0.1.0 .
# Checked without a Docker engine by Tests/Deploy/check-image.sh (see deploy/README.md).

# Build stage: the official Swift image on Debian 12 (bookworm). 6.3 is the toolchain CI builds
# with (/opt/swift, Swift 6.3.1); bookworm is the runtime stage's Debian too, so the glibc and
# libcurl the binary is linked against are the ones it runs with. Pin a digest
# (swift:6.3-bookworm@sha256:...) for reproducible builds.
FROM swift:6.3-bookworm AS build
# libcurl4-openssl-dev: the Kubernetes client's HTTP transport (target CCurl).
# libpcre3-dev: PCRE, nginx's own regex engine: `portico explain` reads nginx.conf's regex
#   locations back with it (target CPCRE).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libcurl4-openssl-dev libpcre3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The build context has no .git: `portico --version` names the commit given here
# (docker build --build-arg PORTICO_COMMIT=$(git rev-parse HEAD) ...), else "unknown".
ARG PORTICO_COMMIT=unknown
COPY . .
# --static-swift-stdlib links the Swift runtime and Foundation into the binary, so the runtime
# stage needs no Swift. The .build cache mount keeps rebuilds incremental, so the binary is
# copied out of it.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --static-swift-stdlib --product portico \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/portico" /out/portico

# Runtime stage.
FROM debian:bookworm-slim
# nginx: in bookworm, nginx-light is a transitional package that installs this same `nginx`
#   plus the third-party echo module, which Portico does not use; so `nginx` directly.
# libnginx-mod-stream: nginx's stream module, which the config loads (load_module) when there are
#   TCP or UDP services (--tcp-services-configmap, --udp-services-configmap).
# libcurl4, libpcre3: the shared libraries the binary needs beyond glibc, libstdc++ and libgcc
#   (`ldd` on the release build). libcurl's own libraries (OpenSSL, nghttp2, GSSAPI, LDAP, ...)
#   come along as its dependencies.
# ca-certificates: trust for HTTPS to anything besides the API server, whose CA is the
#   service account's ca.crt.
# /var/run/portico is the runtime dir (nginx.conf, pid, logs if any, temporary files) and the
# only place anything writes: rc.yaml mounts an emptyDir there over a read-only root. Debian's
# nginx logs to stderr until it has read its config (built with --error-log-path=stderr).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        nginx libnginx-mod-stream libcurl4 libpcre3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/run/portico
COPY --from=build /out/portico /usr/local/bin/portico

# no-USER: the image runs as root on purpose. nginx's master must be root to bind :80 and to
# start its workers as www-data (Debian's base-passwd user, uid 33; pass --nginx-user www-data),
# so no worker that handles a request runs as root. rc.yaml keeps only the capabilities this
# needs (NET_BIND_SERVICE, SETUID, SETGID, CHOWN), sets allowPrivilegeEscalation: false and
# a read-only root filesystem.
EXPOSE 80 10254
ENTRYPOINT ["/usr/local/bin/portico", "run"]
