# shellcheck shell=bash
# Sourced by scripts/e2e-containers: find or start a container engine, and make
# the base images no registry can give us. Defines:
#
#   engine_up        use a reachable Docker engine (DOCKER_HOST or the default
#                    socket) or start podman (runc, our containers.conf, an API
#                    socket for docker-compose, a healthcheck loop); exports
#                    DOCKER_HOST and ENGINE (docker|podman)
#   engine_down      stop what engine_up started (only that)
#   image_exists REF
#   image_build ARGS...   `docker build` / `podman build` with the same arguments
#   base_images      local/debian:bookworm, the postgres:15 stand-in and the Rust
#                    builder stand-in, each built once and then reused
#
# Needs: e2e_log, e2e_die, E2E_STATE (a directory that outlives the run: caches)
# and E2E_RUN (a directory for this run only).

ENGINE=
ENGINE_PIDS=()

engine_cli() { # the client for this engine
    if [ "$ENGINE" = podman ]; then podman "$@"; else docker "$@"; fi
}

docker_engine_reachable() {
    command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1
}

apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || e2e_die "need root to apt-get install ${missing[*]}"
    e2e_log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >"$E2E_RUN/apt.log" 2>&1; then
        apt-get update -qq </dev/null >>"$E2E_RUN/apt.log" 2>&1
        apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >>"$E2E_RUN/apt.log" 2>&1 ||
            { cat "$E2E_RUN/apt.log" >&2; e2e_die "apt-get install ${missing[*]} failed"; }
    fi
}

engine_up() {
    if [ "${E2E_ENGINE:-auto}" != podman ] && docker_engine_reachable; then
        ENGINE=docker
        e2e_log "using the reachable Docker engine ($(docker info --format '{{.ServerVersion}}' 2>/dev/null))"
        command -v docker-compose >/dev/null || apt_install docker-compose
        return
    fi
    [ "${E2E_ENGINE:-auto}" = docker ] && e2e_die "E2E_ENGINE=docker but no Docker engine is reachable"

    ENGINE=podman
    # crun fails here (hybrid cgroups), so runc; netavark + aardvark-dns give
    # compose networks name resolution (`db`), which podman's CNI backend lacks
    # without the dnsname plugin (not in Debian 12); docker-compose 1.29
    # (Debian) is the compose that honours depends_on conditions against
    # podman's API. --no-install-recommends keeps docker.io (and its daemon) out.
    # netavark sets up networks with iptables, which a minimal Debian lacks
    # ("netavark: No such file or directory" when a container starts).
    apt_install podman runc netavark aardvark-dns iptables docker-compose
    mkdir -p "$E2E_STATE"
    cat >"$E2E_STATE/containers.conf" <<'EOF'
[containers]
# The host lacks CAP_SYS_RESOURCE: containers must not raise their limits.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
[network]
network_backend = "netavark"
EOF
    export CONTAINERS_CONF=$E2E_STATE/containers.conf

    local sock=$E2E_RUN/podman.sock
    podman system service --time=0 "unix://$sock" >"$E2E_RUN/podman-service.log" 2>&1 &
    ENGINE_PIDS+=($!)
    export DOCKER_HOST=unix://$sock
    for _ in $(seq 1 100); do
        [ -S "$sock" ] && docker info >/dev/null 2>&1 && break
        sleep 0.1
    done
    docker info >/dev/null 2>&1 || { cat "$E2E_RUN/podman-service.log" >&2; e2e_die "podman's API socket did not come up"; }
    e2e_log "started podman $(podman --version | awk '{print $3}') (runc) with its API on $sock"

    # Without systemd, podman 4.3 runs no healthchecks by itself: run them for
    # every container that is still starting (or unhealthy), every 2 s.
    (
        while sleep 2; do
            for id in $(podman ps -q --filter health=starting 2>/dev/null) $(podman ps -q --filter health=unhealthy 2>/dev/null); do
                podman healthcheck run "$id" >/dev/null 2>&1 || true
            done
        done
    ) &
    ENGINE_PIDS+=($!)
}

engine_down() {
    local pid
    for pid in "${ENGINE_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${ENGINE_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    ENGINE_PIDS=()
}

# Extra compose file for this engine, written to FILE (nothing for Docker).
# podman 4.3 writes the host's resolver into containers' resolv.conf next to
# aardvark-dns; musl (the pg-provision image) asks both at once and takes the
# first answer, usually the host's NXDOMAIN for `db`. So on podman the project
# runs on a network made here (a known gateway, where aardvark-dns listens) and
# the musl container asks only aardvark-dns. The network is external to compose
# because docker-compose 1.29 misreads podman's IPAM driver and would insist on
# recreating a network it made with a fixed subnet. Docker's embedded DNS
# (127.0.0.11) has no such problem.
ENGINE_NETWORKS=()
engine_compose_override() { # project file
    [ "$ENGINE" = podman ] || return 0
    local used n net=$1-net
    used=$(podman network ls -q | xargs -r podman network inspect --format '{{range .Subnets}}{{.Subnet}} {{end}}' 2>/dev/null)
    for n in $(seq 120 250); do
        grep -q "10\.89\.$n\." <<<"$used" || break
    done
    podman network create --subnet "10.89.$n.0/24" --gateway "10.89.$n.1" "$net" >/dev/null ||
        e2e_die "podman network create $net failed"
    ENGINE_NETWORKS+=("$net")
    cat >"$2" <<EOF
# Generated by tests/e2e/engine.sh for project $1 (podman 4.3 + musl DNS workaround).
networks:
  default:
    external: true
    name: $net
services:
  provision:
    dns: [10.89.$n.1]
EOF
}

engine_remove_networks() {
    local net
    for net in "${ENGINE_NETWORKS[@]}"; do
        podman network rm -f "$net" >/dev/null 2>&1 || true
    done
    ENGINE_NETWORKS=()
}

image_exists() {
    engine_cli image inspect "$1" >/dev/null 2>&1
}

image_build() {
    if [ "$ENGINE" = podman ]; then
        # docker format: OCI images drop SHELL, which the Dockerfile uses.
        podman build --format docker "$@"
    else
        DOCKER_BUILDKIT=1 docker build "$@"
    fi
}

# An image built from these inputs exists (label e2e.inputs = their hash):
# editing a stand-in's files, or a new host toolchain, rebuilds it.
image_current() { # ref hash
    [ "$(engine_cli image inspect --format '{{index .Config.Labels "e2e.inputs"}}' "$1" 2>/dev/null)" = "$2" ]
}
inputs_hash() { # files/strings...
    { for x in "$@"; do if [ -f "$x" ]; then cat "$x"; else printf '%s\n' "$x"; fi; done; } | sha256sum | cut -c1-16
}

image_size_bytes() {
    engine_cli image inspect --format '{{.Size}}' "$1"
}

# --- base images ---------------------------------------------------------------

# The Debian mirror apt already uses (plain http: the HTTPS proxy's authority is
# trusted only by the host).
debian_mirror() {
    local uri
    uri=$(grep -rhs '^URIs:' /etc/apt/sources.list.d/debian.sources 2>/dev/null | awk '{print $2; exit}')
    [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list 2>/dev/null | awk '$3 ~ /^bookworm$/ {print $2; exit}')
    printf '%s' "${uri:-http://deb.debian.org/debian}"
}

build_debian_base() {
    local ref=local/debian:bookworm
    if image_exists "$ref"; then
        e2e_log "image $ref: cached"
        return
    fi
    apt_install debootstrap
    local rootfs=$E2E_RUN/debian-rootfs t=$EPOCHREALTIME
    e2e_log "image $ref: debootstrap --variant=minbase bookworm ($(debian_mirror))"
    debootstrap --variant=minbase bookworm "$rootfs" "$(debian_mirror)" >"$E2E_RUN/debootstrap.log" 2>&1 ||
        { tail -n 30 "$E2E_RUN/debootstrap.log" >&2; e2e_die "debootstrap failed"; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | engine_cli import - "$ref" >/dev/null
    rm -rf "$rootfs"
    e2e_log "image $ref: built in $(e2e_since "$t")"
}

build_postgres_standin() {
    local ref=docker.io/library/postgres:15 hash
    hash=$(inputs_hash "$E2E_DIR"/images/postgres/*)
    if image_current "$ref" "$hash"; then
        e2e_log "image $ref (stand-in): cached"
        return
    fi
    local t=$EPOCHREALTIME
    e2e_log "image $ref: building the stand-in (Debian's postgresql-15)"
    image_build --network=host --label "e2e.inputs=$hash" -t "$ref" "$E2E_DIR/images/postgres" >"$E2E_RUN/build-postgres.log" 2>&1 ||
        { tail -n 30 "$E2E_RUN/build-postgres.log" >&2; e2e_die "building the postgres stand-in failed"; }
    e2e_log "image $ref: built in $(e2e_since "$t")"
}

# The Dockerfile's default builder image (ARG RUST_IMAGE=...).
dockerfile_builder_image() {
    sed -n 's/^ARG RUST_IMAGE=//p' "$REPO/Dockerfile" | head -n 1
}

build_rust_standin() {
    local ref hash
    ref=$(dockerfile_builder_image)
    [ -n "$ref" ] || e2e_die "no ARG RUST_IMAGE=... default in Dockerfile"
    command -v rustup >/dev/null || e2e_die "rustup is needed to copy the host toolchain into the builder stand-in"
    rustup target list --installed | grep -x x86_64-unknown-linux-musl >/dev/null || {
        e2e_log "rustup target add x86_64-unknown-linux-musl"
        rustup target add x86_64-unknown-linux-musl >/dev/null
    }
    hash=$(inputs_hash "$E2E_DIR/images/rust/Dockerfile" "$(rustc -vV 2>&1)" "$(rustup target list --installed 2>&1)")
    if image_current "$ref" "$hash"; then
        e2e_log "image $ref (stand-in): cached"
        return
    fi
    local t=$EPOCHREALTIME ctx=$E2E_RUN/rust-context sysroot toolchain rustup_bin
    sysroot=$(rustc --print sysroot)
    toolchain=$(basename "$sysroot")
    rustup_bin=$(command -v rustup)
    e2e_log "image $ref: building the stand-in from the host toolchain ($(rustc -V))"
    rm -rf "$ctx"
    mkdir -p "$ctx/rustup/toolchains/$toolchain" "$ctx/cargo-bin"
    # Hard links where possible (same file system), else copies; docs left out.
    local d
    for d in bin lib libexec etc; do
        [ -d "$sysroot/$d" ] || continue
        cp -al "$sysroot/$d" "$ctx/rustup/toolchains/$toolchain/" 2>/dev/null ||
            cp -a "$sysroot/$d" "$ctx/rustup/toolchains/$toolchain/"
    done
    printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\nauto_self_update = "disable"\n' \
        "$toolchain" >"$ctx/rustup/settings.toml"
    cp "$rustup_bin" "$ctx/cargo-bin/rustup"
    for d in cargo rustc rustdoc; do
        ln -s rustup "$ctx/cargo-bin/$d"
    done
    cp "$E2E_DIR/images/rust/Dockerfile" "$ctx/Dockerfile"
    # The host's trust store: downloads inside builds pass a proxy only it trusts.
    cp /etc/ssl/certs/ca-certificates.crt "$ctx/host-ca-certificates.crt"
    image_build --network=host --label "e2e.inputs=$hash" -t "$ref" "$ctx" >"$E2E_RUN/build-rust.log" 2>&1 ||
        { tail -n 30 "$E2E_RUN/build-rust.log" >&2; e2e_die "building the Rust builder stand-in failed"; }
    rm -rf "$ctx"
    e2e_log "image $ref: built in $(e2e_since "$t")"
}

base_images() {
    build_debian_base
    build_postgres_standin
    build_rust_standin
}
