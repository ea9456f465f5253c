#!/usr/bin/env bash
# Installs everything the project builds, tests and runs with, from Debian's
# archive only (Debian 12, as root). Does nothing when all is present.
set -euo pipefail

packages=(
  # build
  bazel-bootstrap bazel-platforms bazel-rules-java bazel-rules-proto bazel-skylib
  g++ git ca-certificates
  # libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libpqxx-dev libpq-dev libabsl-dev libspdlog-dev libfmt-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libnats-dev uuid-dev
  libcurl4-openssl-dev
  # metrics endpoint (common/metrics): prometheus-cpp with its pull exposer
  prometheus-cpp-dev
  # the servers' allocator (third_party:tcmalloc)
  libtcmalloc-minimal4
  # servers and tools used by the scripts and tests
  postgresql-15 postgresql-contrib nats-server openssl procps iproute2 curl
  # benchmark report and pgbench log summaries; test-case counts of tests/run_all.sh
  python3
  # fake FCM / OAuth / APNs servers of tests/notification/delivery (TLS, JWT, HTTP/2)
  python3-cryptography python3-jwt python3-h2
  # tests/format/check_format.sh (clang-format 14 in Debian 12)
  clang-format
  # backups (deploy/backup): encryption, the S3 client, WAL archiving / PITR
  age s3cmd pgbackrest
  # tests/backup/schedule: systemd-analyze reads the timer's calendar expression
  systemd
  # container images and stacks (deploy/images, deploy/containers): podman 4.3
  # runs them with runc (crun refuses this kernel's hybrid cgroups);
  # debootstrap makes the base image, no registry being reachable
  podman runc debootstrap
  # container networks: netavark (podman 4.3's backend; listed, or apt picks
  # the CNI plugins) needs iptables for its NAT rules; aardvark-dns lets
  # containers on one network, e.g. a compose project's, resolve each other
  # by service name. Rootless extras (uidmap, slirp4netns) are not needed: root.
  netavark aardvark-dns iptables
  # compose files on podman (podman-compose 1.0.3 runs `podman`, so it sees
  # CONTAINERS_CONF: deploy/containers/podman.sh --env)
  podman-compose
)
# The local S3-compatible server of the backup tests (npm s3rver) runs on
# Node.js; a machine that already has node and npm (from any source) keeps them.
if ! command -v npm >/dev/null; then packages+=(nodejs npm); fi
# tests/deploy:manifests_test renders the compose files (docker-compose 1.29
# validates without an engine; python3-yaml for its checkers) and the
# Kubernetes manifests (kubectl kustomize). A kubectl already on PATH (any
# source, any version) is kept; else Debian's kubernetes-client (1.20).
packages+=(docker-compose python3-yaml)
if ! command -v kubectl >/dev/null; then packages+=(kubernetes-client); fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$package")
done
s3rver_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/backup/s3rver"
install_s3rver() {
  [[ -x "$s3rver_dir/node_modules/.bin/s3rver" ]] && return 0
  echo "Installing s3rver from the npm registry (tests/backup/s3rver/package-lock.json)"
  npm ci --prefix "$s3rver_dir" --no-audit --no-fund --loglevel=error >/dev/null
}
if [[ ${#missing[@]} -eq 0 ]]; then
  install_s3rver
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "ERROR: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi
echo "Installing from Debian's archive: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The postgresql package would start a cluster of its own on 5432; we run
# ours under .state, so keep the packaged one from being created.
mkdir -p /etc/postgresql-common
if [[ ! -f /etc/postgresql-common/createcluster.conf ]] ||
   ! grep -q '^create_main_cluster *= *false' /etc/postgresql-common/createcluster.conf; then
  echo "create_main_cluster = false" >>/etc/postgresql-common/createcluster.conf
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed ${#missing[@]} package(s)."
install_s3rver
