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
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

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
