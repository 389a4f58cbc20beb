# syntax=docker/dockerfile:1
#
# One image with every Encore service binary (gateway, indexer, etl, ingest).
#   docker build -t encore .
#   docker run encore                 # the gateway (default CMD)
#   docker run encore indexer run     # the search indexer
#   docker run encore etl run         # the ETL
#   docker run encore ingest --help   # the ingest tool
# docker-compose.yml builds it for the gateway, indexer and etl services; docs/deployment.md
# explains the production shape. No Docker engine runs on the development machines,
# so this file has not been built there.

# --- build ------------------------------------------------------------------
FROM rust:1.89-bookworm AS builder

# rdkafka's default features build the bundled librdkafka with ./configure + make
# (no cmake) and link zlib through pkg-config.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# The workspace manifest, the lock file and every workspace member (Cargo.toml
# `members`); cargo needs all members present to resolve the workspace, even
# those whose binaries are not built here. Add a line when a member is added.
COPY Cargo.toml Cargo.lock ./
COPY schemas schemas
COPY common common
COPY warehouse warehouse
COPY online online
COPY search search
COPY core core
COPY subsonic subsonic
COPY gateway gateway
COPY indexer indexer
COPY etl etl
COPY ingest ingest
COPY tests tests

# Dependency caching: BuildKit cache mounts keep the crates.io registry and the
# target directory between builds, so a source change rebuilds only Encore's crates.
# The target directory is a cache mount, so the binaries are copied out of it.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --features encore-gateway/s3 --bin gateway --bin indexer --bin etl --bin ingest \
 && mkdir -p /out \
 && cp target/release/gateway target/release/indexer target/release/etl target/release/ingest /out/

# --- runtime ----------------------------------------------------------------
FROM debian:bookworm-slim

# ca-certificates for TLS to managed services; zlib1g is what the binaries link
# dynamically besides libc (librdkafka is linked statically); curl serves the
# compose healthchecks (GET /health); ffmpeg transcodes streams (the gateway).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl zlib1g ffmpeg \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 encore \
 && useradd --system --uid 10001 --gid encore --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin encore \
 && mkdir -p /var/lib/encore/objects /var/lib/encore/transcodes \
 && chown encore:encore /var/lib/encore/objects /var/lib/encore/transcodes

COPY --from=builder /out/gateway /out/indexer /out/etl /out/ingest /usr/local/bin/

# Inside a container the services must listen on every interface, not on the
# loopback address their built-in defaults use.
ENV ENCORE_GATEWAY_ADDR=0.0.0.0:8080 \
    ENCORE_ETL_ADDR=0.0.0.0:8081 \
    ENCORE_INDEXER_ADDR=0.0.0.0:8082

USER encore:encore
EXPOSE 8080 8081 8082
CMD ["gateway"]
