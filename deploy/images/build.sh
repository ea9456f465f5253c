#!/usr/bin/env bash
# Builds the container images from Bazel outputs (the build stays in Bazel):
#
#   deploy/images/build.sh                                  # the 3 services + stand-ins
#   deploy/images/build.sh --services quest,notification    # runtime + those services
#   deploy/images/build.sh --standins                       # postgres + nats stand-ins
#   deploy/images/build.sh --backup                         # runtime + the backup image
#   deploy/images/build.sh --base                           # a fresh debootstrap base
#
# Images (tag of the service and backup images: IMAGE_TAG, default dev):
#   docker.io/library/debian:bookworm-slim      base: debootstrap minbase, imported
#   localhost/quest-ecosystem/runtime:dev       base + the servers' shared libraries
#   localhost/quest-ecosystem/<svc>:$IMAGE_TAG  quest, notification, social
#   localhost/quest-ecosystem/backup:$IMAGE_TAG runtime + the backup tool, pg_dump 15,
#                                               age, s3cmd, pgbackrest (--backup only)
#   localhost/quest-ecosystem/postgres-standin:15, .../nats-standin:2.9
#
# The backup image is only built with --backup: the compose stacks do not
# use it, and its packages (PostgreSQL's client, pgBackRest, Python for
# s3cmd) would slow the default build that the drill and CI run.
#
# With selection flags only the parts named are built; the base image is
# made whenever it is missing (from the cached root under .state/images when
# there is one), --base remakes it from a fresh debootstrap. Each build gets
# a staged context in a temporary directory holding only the Bazel outputs,
# the SQL and the files its Dockerfile copies, never the source tree. A
# second run reuses podman's layer cache. podman runs with
# deploy/containers/containers.conf. Root is needed (debootstrap, podman's
# storage). At the end: every image's name and size.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
images_dir="$repo/deploy/images"
cd "$repo"
# shellcheck source=../containers/podman.sh
source "$repo/deploy/containers/podman.sh" --env

all_services=(quest notification social)
image_tag=${IMAGE_TAG:-dev}
base_image=docker.io/library/debian:bookworm-slim
registry=localhost/quest-ecosystem
runtime_image=$registry/runtime:dev
postgres_standin=$registry/postgres-standin:15
nats_standin=$registry/nats-standin:2.9
state="$repo/.state/images"

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
  exit "${1:-1}"
}

services=()
want_standins=false
want_backup=false
want_base=false
selected=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --services)
      [[ $# -ge 2 ]] || usage
      IFS=, read -r -a services <<<"$2"
      shift 2
      selected=true
      ;;
    --services=*)
      IFS=, read -r -a services <<<"${1#--services=}"
      shift
      selected=true
      ;;
    --standins) want_standins=true; selected=true; shift ;;
    --backup) want_backup=true; selected=true; shift ;;
    --base) want_base=true; selected=true; shift ;;
    -h | --help) usage 0 ;;
    *) echo "ERROR: unknown argument $1" >&2; usage ;;
  esac
done
if ! $selected; then
  services=("${all_services[@]}")
  want_standins=true
fi
for svc in "${services[@]}"; do
  [[ " ${all_services[*]} " == *" $svc "* ]] || {
    echo "ERROR: --services: unknown service \"$svc\" (known: ${all_services[*]})" >&2
    exit 1
  }
done
if [[ $(id -u) -ne 0 ]]; then
  echo "ERROR: run as root (debootstrap and podman's storage need it)" >&2
  exit 1
fi
for tool in podman debootstrap; do
  command -v "$tool" >/dev/null || {
    echo "ERROR: $tool is missing: run deploy/install-deps.sh" >&2
    exit 1
  }
done

mkdir -p "$state"
# Two engineers (or a test and an engineer) building at once would race on
# the base root and the tags.
exec 9>"$state/build.lock"
flock 9

step_started=0
step() { step_started=$(date +%s%N); echo "== $*"; }
step_done() {
  local elapsed_ms=$((($(date +%s%N) - step_started) / 1000000))
  printf '   %d.%d s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 100))
}

staging=$(mktemp -d "${TMPDIR:-/tmp}/quest-images.XXXXXX")
trap 'rm -rf "$staging"' EXIT

revision=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
[[ -z "$(git -C "$repo" status --porcelain 2>/dev/null)" ]] || revision="$revision-dirty"
labels=(
  --label "org.opencontainers.image.revision=$revision"
  --label "org.opencontainers.image.source=quest-ecosystem (git $revision)"
  --label "org.opencontainers.image.vendor=quest-ecosystem"
)
# What every image here is built with: the docker format (the OCI format has
# no HEALTHCHECK; podman would drop it) and the labels.
image_build() {
  podman build --quiet --format docker "${labels[@]}" "$@" >/dev/null
}

# --- base: Debian 12 minbase, shaped like Docker Hub's bookworm-slim --------
# The mirror is the first URIs: line of the machine's apt sources, the only
# archive reachable here; the image gets those sources stripped to the
# fields apt needs (apt-sources.sh: no comments, options or credentials), so
# `apt-get install` in later layers sees the same suites (updates, security)
# as the packages the binaries were linked against.
build_base() {
  local root="$state/bookworm-minbase" tarball="$state/bookworm-minbase.tar"
  if $want_base || [[ ! -s "$tarball" ]]; then
    local mirror
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    [[ -n "$mirror" ]] || { echo "ERROR: no URIs: line in debian.sources" >&2; exit 1; }
    step "debootstrap --variant=minbase bookworm from $mirror"
    rm -rf "$root" "$tarball"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$state/debootstrap.log" 2>&1 || {
      tail -20 "$state/debootstrap.log" >&2
      exit 1
    }
    # What the official -slim image does (debuerreotype's slimify): dpkg
    # leaves out docs, man pages and translations from now on, and those of
    # the packages already installed go.
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
SLIM
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$root"/usr/share/{man,info,groff,lintian,linda}/*
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias \
      -exec rm -rf {} +
    rm -f "$root/etc/apt/sources.list"
    "$images_dir/apt-sources.sh" >"$root/etc/apt/sources.list.d/debian.sources"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/log/*.log \
      "$root"/var/log/apt/*
    : >"$root/etc/machine-id"
    tar --numeric-owner -C "$root" -cf "$tarball" .
    rm -rf "$root"
    step_done
  fi
  if $want_base || ! podman image exists "$base_image"; then
    step "import $base_image"
    podman import --quiet --change 'CMD ["bash"]' "$tarball" localhost/debian:bookworm >/dev/null
    podman tag localhost/debian:bookworm "$base_image"
    step_done
  fi
}

# --- Bazel outputs -> the staged context ------------------------------------
bazel_bin=""
# Every service's binaries are built, whatever --services says: the one
# runtime image must fit all three (build_runtime), and Bazel's cache makes
# the others free once built.
build_outputs() {
  local targets=(//deploy/health_probe:grpc_health_probe)
  for svc in "${all_services[@]}"; do targets+=("//$svc:${svc}_server" "//$svc:migrate"); done
  if $want_backup; then targets+=(//deploy/backup:backup); fi
  step "bazel build -c opt (servers, migrate tools, health probe$($want_backup && echo ", backup"))"
  bazel build -c opt "${targets[@]}" 2>"$staging/bazel.log" || {
    tail -30 "$staging/bazel.log" >&2
    exit 1
  }
  bazel_bin=$(bazel info -c opt bazel-bin 2>/dev/null)
  step_done
  # The service images' context: only these files.
  local context="$staging/service"
  mkdir -p "$context/bin"
  install -m 0755 "$bazel_bin/deploy/health_probe/grpc_health_probe" \
    "$context/bin/grpc-health-probe"
  for svc in "${services[@]}"; do
    install -m 0755 "$bazel_bin/$svc/${svc}_server" "$context/bin/${svc}_server"
    install -m 0755 "$bazel_bin/$svc/migrate" "$context/bin/${svc}-migrate"
    # The set //migrations:<svc>_embedded holds (migrations/BUILD.bazel):
    # the common tables, then the service's own.
    mkdir -p "$context/migrations/$svc"
    install -m 0644 migrations/common/*.sql "$context/migrations/$svc/"
    if compgen -G "migrations/$svc/*.sql" >/dev/null; then
      install -m 0644 "migrations/$svc"/*.sql "$context/migrations/$svc/"
    fi
  done
  if $want_backup; then
    mkdir -p "$staging/backup/bin"
    install -m 0755 "$bazel_bin/deploy/backup/backup" "$staging/backup/bin/backup"
  fi
  # What each image adds to the runtime layers (the README's figures).
  find "$staging" -path '*/bin/*' -type f -printf '%s %f\n' | LC_ALL=C sort -k2 |
    awk '{printf "   %-28s %5.1f MB\n", $2, $1 / 1e6}'
}

# The runtime libraries of every binary a service image holds, all three
# services' (one runtime image fits them all).
build_runtime() {
  local binaries=("$bazel_bin/deploy/health_probe/grpc_health_probe")
  for svc in "${all_services[@]}"; do
    binaries+=("$bazel_bin/$svc/${svc}_server" "$bazel_bin/$svc/migrate")
  done
  local context="$staging/runtime"
  mkdir -p "$context"
  "$images_dir/runtime-packages.sh" "${binaries[@]}" >"$context/runtime-packages.txt"
  step "build $runtime_image ($(wc -l <"$context/runtime-packages.txt") packages)"
  image_build --label "org.opencontainers.image.title=quest-ecosystem runtime" \
    -f "$images_dir/runtime.Dockerfile" -t "$runtime_image" "$context"
  step_done
}

build_service() {
  local svc=$1
  step "build $registry/$svc:$image_tag"
  image_build --label "org.opencontainers.image.title=quest-ecosystem $svc" \
    --build-arg "SERVICE=$svc" --target "$svc" --build-arg "RUNTIME_IMAGE=$runtime_image" \
    -f "$images_dir/service.Dockerfile" -t "$registry/$svc:$image_tag" "$staging/service"
  step_done
}

# The backup tool on the runtime image, with the packages of the libraries
# it loads beyond the servers' (runtime-packages.sh again) and the tools it
# runs.
build_backup() {
  local context="$staging/backup" image="$registry/backup:$image_tag"
  "$images_dir/runtime-packages.sh" "$context/bin/backup" >"$context/backup-packages.txt"
  step "build $image"
  image_build --label "org.opencontainers.image.title=quest-ecosystem backup" \
    --build-arg "RUNTIME_IMAGE=$runtime_image" \
    -f "$images_dir/backup.Dockerfile" -t "$image" "$context"
  step_done
}

build_standin() {
  local name=$1 image=$2
  local context="$staging/$name"
  mkdir -p "$context"
  if [[ -d "$images_dir/$name" ]]; then cp -a "$images_dir/$name/." "$context/"; fi
  step "build $image"
  image_build --label "org.opencontainers.image.title=quest-ecosystem $name" \
    -f "$images_dir/$name.Dockerfile" -t "$image" "$context"
  step_done
}

started=$(date +%s)
build_base
built=("$base_image")
if [[ ${#services[@]} -gt 0 ]] || $want_backup; then
  build_outputs
  build_runtime
  built+=("$runtime_image")
  for svc in "${services[@]}"; do
    build_service "$svc"
    built+=("$registry/$svc:$image_tag")
  done
fi
if $want_backup; then
  build_backup
  built+=("$registry/backup:$image_tag")
fi
if $want_standins; then
  build_standin postgres-standin "$postgres_standin"
  build_standin nats-standin "$nats_standin"
  built+=("$postgres_standin" "$nats_standin")
fi

echo "== images (built in $(($(date +%s) - started)) s)"
for image in "${built[@]}"; do
  podman image inspect --format "{{.Size}}" "$image" |
    awk -v name="$image" '{printf "   %-52s %6.1f MB\n", name, $1 / 1e6}'
done
