#!/usr/bin/env bash
# Checks the images that deploy/images/build.sh made, as a container
# platform's admission rules and a security review would:
#
#   deploy/images/check_images.sh                  # quest notification social
#   deploy/images/check_images.sh quest backup     # the images named
#
# Names: quest, notification, social (localhost/quest-ecosystem/<name>:
# $IMAGE_TAG, default dev) and backup (built by `build.sh --backup`, so not
# in the default set). Every image: it runs as a numeric non-root user (the
# image's USER and `id -u` inside) and holds no compiler, assembler, linker,
# headers or C/C++ source. A service image: its entrypoint is
# /usr/local/bin/<svc>_server, STOPSIGNAL SIGTERM, the server starts far
# enough to stop on its missing database settings (exit 2, one line naming
# the variable), the health probe and migrate tool run (a probe of a closed
# port exits 2) and the migrations are there. The backup image: entrypoint
# /usr/local/bin/backup, `backup --help` prints its usage (exit 0), no
# command is a usage error (exit 2), and pg_dump/pg_restore 15, age, s3cmd
# and pgbackrest run as its user.
#
# Prints one line per check (`ok   ...`; `FAIL ...` on stderr), then
# `images: N passed, M failed`; exits 1 when any check failed, 2 on a bad
# argument. Every check runs even after a failure (no `set -e`): a podman
# that cannot start a container is a FAIL line, never a silent stop.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../containers/podman.sh
source "$repo/deploy/containers/podman.sh" --env
registry=localhost/quest-ecosystem
image_tag=${IMAGE_TAG:-dev}
known=(quest notification social backup)
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(quest notification social)
for name in "${names[@]}"; do
  if [[ " ${known[*]} " != *" $name "* ]]; then
    echo "usage: $0 [${known[*]}]: unknown image \"$name\"" >&2
    exit 2
  fi
done

passed=0
failed=0
fail() { echo "FAIL $*" >&2; failed=$((failed + 1)); }
pass() { echo "ok   $*"; passed=$((passed + 1)); }
finish() {
  echo "images: $passed passed, $failed failed"
  if [[ $failed -gt 0 ]]; then exit 1; fi
  exit 0
}

# The images live in root's podman storage (build.sh runs as root).
if [[ $(id -u) -ne 0 ]]; then
  fail "run as root: the images are in root's podman storage"
  finish
fi
if ! command -v podman >/dev/null; then
  fail "podman is missing: run deploy/install-deps.sh"
  finish
fi

# One-off container of the image: never pulled (a missing image is a
# failure, not a wait on a registry), no health checks scheduled (they need
# systemd here) and no network: nothing in it needs one. Sets `output`
# (the container's stdout and stderr, without podman's own `time="..."`
# complaints) and `code` (its exit status).
#   run_in IMAGE [podman run options...] [-- ARGUMENTS...]
run_in() {
  local image=$1 options=()
  shift
  while [[ $# -gt 0 && "$1" != -- ]]; do options+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  local raw
  raw=$(podman run --rm --pull=never --network none --health-cmd none "${options[@]}" \
    "$image" "$@" 2>&1)
  code=$?
  output=$(grep -v '^time="' <<<"$raw")
}

# The last line of `output`, with no trailing blanks.
last_line() { tail -n1 <<<"$output" | sed 's/[[:space:]]*$//'; }

# Compilers, assemblers, linkers and the like by name, anywhere on PATH or
# in /usr/bin; then headers and C/C++ sources anywhere in the image. Ends
# with one line: "found:" and what was found (nothing when clean).
read -r -d '' toolchain_scan <<'SCAN' || true
found=""
for tool in gcc g++ cc c++ cpp clang clang++ as ld ld.bfd ld.gold gold tcc \
            make cmake bazel protoc x86_64-linux-gnu-gcc x86_64-linux-gnu-as \
            x86_64-linux-gnu-ld; do
  for dir in $(echo "$PATH" | tr : ' ') /usr/bin /usr/local/bin; do
    [ -e "$dir/$tool" ] && found="$found $dir/$tool"
  done
done
versioned=$(ls /usr/bin | grep -E '^(x86_64-linux-gnu-)?(gcc|g\+\+|clang|cpp)-[0-9.]+$' | tr '\n' ' ')
[ -n "$versioned" ] && found="$found $versioned"
[ -d /usr/include ] && found="$found /usr/include"
sources=$(find / -xdev \( -path /proc -o -path /sys \) -prune -o -type f \
  \( -name '*.cc' -o -name '*.cpp' -o -name '*.h' -o -name '*.hpp' -o -name '*.c' \) -print 2>/dev/null |
  head -5 | tr '\n' ' ')
[ -n "$sources" ] && found="$found $sources"
echo "found:$found"
SCAN

# The checks every image gets; BUILD is the command that makes the image,
# for the message when it is missing. Returns 1 when the image is missing (its
# other checks are then not worth running).
check_common() {
  local image=$1 entrypoint=$2 build=$3
  if ! podman image exists "$image"; then
    fail "$image: no such image (run $build)"
    return 1
  fi

  local user uid
  user=$(podman image inspect --format '{{.Config.User}}' "$image")
  uid=${user%%:*}
  if [[ "$uid" =~ ^[0-9]+$ && "$uid" -ne 0 ]]; then
    pass "$image: USER $user (numeric, not root)"
  else
    fail "$image: USER is \"$user\", not a numeric non-root uid (runAsNonRoot cannot verify it)"
  fi
  run_in "$image" --entrypoint id -- -u
  local inside
  inside=$(last_line)
  if [[ $code -eq 0 && "$inside" =~ ^[0-9]+$ && "$inside" -ne 0 ]]; then
    pass "$image: runs as uid $inside"
  else
    fail "$image: id -u inside: exit $code, output: $output"
  fi

  run_in "$image" --entrypoint sh -- -c "$toolchain_scan"
  local found
  found=$(last_line)
  if [[ $code -eq 0 && "$found" == "found:" ]]; then
    pass "$image: no compiler, assembler, linker, headers or sources"
  elif [[ $code -eq 0 && "$found" == found:* ]]; then
    fail "$image: build tools or sources in the image:${found#found:}"
  else
    fail "$image: the toolchain scan did not run: exit $code, output: $output"
  fi

  local actual
  actual=$(podman image inspect --format '{{json .Config.Entrypoint}}' "$image")
  if [[ "$actual" == "[\"$entrypoint\"]" ]]; then
    pass "$image: entrypoint $actual (exec form)"
  else
    fail "$image: entrypoint is $actual, not [\"$entrypoint\"]"
  fi
}

check_service() {
  local svc=$1 image="$registry/$1:$image_tag"
  check_common "$image" "/usr/local/bin/${svc}_server" deploy/images/build.sh || return

  local stop_signal
  stop_signal=$(podman image inspect --format '{{.Config.StopSignal}}' "$image")
  if [[ "$stop_signal" == SIGTERM ]]; then
    pass "$image: STOPSIGNAL SIGTERM"
  else
    fail "$image: STOPSIGNAL is \"$stop_signal\""
  fi

  # No DB settings: the server must get as far as reading its config (every
  # library loads, the binary runs as the image's user) and stop there.
  run_in "$image"
  local lines
  lines=$(grep -c . <<<"$output")
  if [[ $code -eq 2 && $lines -eq 1 && "$output" == *"config error: DB_"* ]]; then
    pass "$image: server stops on missing settings: $output"
  else
    fail "$image: server without DB settings: exit $code, output: $output"
  fi

  run_in "$image" --entrypoint grpc-health-probe -- --addr=127.0.0.1:1
  if [[ $code -eq 2 && "$output" == *"Connection refused"* ]]; then
    pass "$image: grpc-health-probe --addr=127.0.0.1:1 exits 2"
  else
    fail "$image: grpc-health-probe --addr=127.0.0.1:1: exit $code, output: $output"
  fi

  # It prints its usage and exits 2 (a usage answer); a missing library
  # would be 127.
  run_in "$image" --entrypoint "${svc}-migrate" -- --help
  if [[ ($code -eq 0 || $code -eq 2) && "$output" == *"usage: ${svc}-migrate"* ]]; then
    pass "$image: ${svc}-migrate runs"
  else
    fail "$image: ${svc}-migrate --help: exit $code, output: $output"
  fi

  run_in "$image" --entrypoint sh -- -c \
    "ls /usr/share/quest-ecosystem/$svc/migrations/ | grep -c '\.up\.sql$'"
  local migrations
  migrations=$(last_line)
  if [[ $code -eq 0 && "$migrations" =~ ^[0-9]+$ && "$migrations" -gt 0 ]]; then
    pass "$image: $migrations migrations in /usr/share/quest-ecosystem/$svc/migrations"
  else
    fail "$image: no migrations in /usr/share/quest-ecosystem/$svc/migrations: exit $code, output: $output"
  fi
}

check_backup() {
  local image="$registry/backup:$image_tag"
  check_common "$image" /usr/local/bin/backup "deploy/images/build.sh --backup" || return

  run_in "$image" -- --help
  if [[ $code -eq 0 && "$(head -n1 <<<"$output")" == "usage: backup <command> [options]" ]]; then
    pass "$image: backup --help prints its usage"
  else
    fail "$image: backup --help: exit $code, output: $(head -n3 <<<"$output")"
  fi
  # Every library loads and the argument check runs: a usage error, exit 2.
  run_in "$image"
  if [[ $code -eq 2 && "$output" == "backup: no command given"* ]]; then
    pass "$image: backup without a command exits 2: $output"
  else
    fail "$image: backup without a command: exit $code, output: $output"
  fi

  # The tools it runs, at the versions it expects, as the image's user:
  # pg_dump/pg_restore from BACKUP_PG_BIN_DIR's default.
  local tool expected
  for tool in "/usr/lib/postgresql/15/bin/pg_dump --version|pg_dump (PostgreSQL) 15." \
    "/usr/lib/postgresql/15/bin/pg_restore --version|pg_restore (PostgreSQL) 15." \
    "age --version|1." "s3cmd --version|s3cmd version 2." "pgbackrest version|pgBackRest 2."; do
    expected=${tool#*|}
    tool=${tool%%|*}
    # shellcheck disable=SC2086  # the tool and its argument, split on purpose
    run_in "$image" --entrypoint ${tool%% *} -- ${tool#* }
    if [[ $code -eq 0 && "$output" == *"$expected"* ]]; then
      pass "$image: $tool: $(last_line)"
    else
      fail "$image: $tool: exit $code, output: $output"
    fi
  done
}

started=$(date +%s)
for name in "${names[@]}"; do
  if [[ "$name" == backup ]]; then check_backup; else check_service "$name"; fi
done
echo "   checked ${names[*]} in $(($(date +%s) - started)) s"
finish
