# pg-provision as a container image: one static binary (musl + rustls) and CA
# certificates on an empty base, running as a non-root user.
#
#   docker build -t pg-provision .
#   docker run --rm -v "$PWD/provision:/work/provision:ro" \
#       -e DATABASE_URL=postgres://postgres:secret@db:5432/app pg-provision [apply|plan|check|validate|wait]
#
# The builder is a build argument so mirrors and pinned digests work:
#   docker build --build-arg RUST_IMAGE=registry.example.com/rust:1.95-bookworm .

ARG RUST_IMAGE=docker.io/library/rust:1.95-bookworm

FROM ${RUST_IMAGE} AS builder
ARG TARGET=x86_64-unknown-linux-musl
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# ring compiles C; the builder's gcc is fine for the musl target.
ENV CC_x86_64_unknown_linux_musl=gcc \
    CARGO_TERM_COLOR=never
RUN rustup target list --installed | grep -x "$TARGET" >/dev/null || rustup target add "$TARGET"
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
# Cargo.toml names tests/integration/main.rs; a build does not compile it, but
# cargo wants the file to exist (.dockerignore keeps the tests out of the context).
RUN mkdir -p tests/integration && touch tests/integration/main.rs
# Crates and compiled dependencies live in cache mounts: a rebuild after a
# source change recompiles only pg-provision. --locked: exactly Cargo.lock.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git/db \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --target "$TARGET" \
 && cp "target/$TARGET/release/pg-provision" /pg-provision \
 && mkdir -p /rootfs/work /rootfs/etc/ssl/certs \
 && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/

FROM scratch
COPY --from=builder /rootfs/ /
COPY --from=builder /pg-provision /usr/local/bin/pg-provision
ENV PATH=/usr/local/bin
# The default spec path, provision/provision.yaml, is relative to this
# directory: mount the spec directory at /work/provision.
WORKDIR /work
# Numeric, so Kubernetes' runAsNonRoot can check it without an /etc/passwd.
USER 65532:65532
ENTRYPOINT ["pg-provision"]
CMD ["apply"]
LABEL org.opencontainers.image.title="pg-provision" \
      org.opencontainers.image.description="Converge a PostgreSQL database to what a YAML file declares" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
