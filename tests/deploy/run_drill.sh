#!/usr/bin/env bash
# The compose drill of issue 15, in one command (as root, from the repository):
#
#   tests/deploy/run_drill.sh            # everything below
#   tests/deploy/run_drill.sh --test_arg=--gtest_filter='DevStackDrill.*'   # extra args: bazel test
#
# 1. deploy/install-deps.sh (Debian's archive; nothing when all is there)
# 2. deploy/images/build.sh: base, runtime, quest/notification/social, and the
#    PostgreSQL/NATS stand-ins (no registry is reachable here)
# 3. deploy/images/check_images.sh: non-root, no toolchain, the entrypoint,
#    the probe and migrate tool run
# 4. validates every compose file combination with `docker-compose config -q`
# 5. runs //tests/deploy:compose_drill_test (compose_drill_dev_stack.cc,
#    compose_drill_scale_out.cc): the dev stack, a SIGTERM drain that
#    finishes a held call, two instances migrating together, the scale-out
#    profile under steady writes (both instances reached, every stream at 3
#    replicas, its leader stopped), teardown. It refuses images whose
#    revision label is not this checkout's (drill_images.h).
#
# The whole output goes to .state/deploy-drill/drill.log, a summary (steps,
# cases, pass/fail, durations) to .state/deploy-drill/summary.txt. Exits
# non-zero when any step or case fails. Every compose project the drill
# started is removed at the end, whatever happened, by
# tests/deploy/cleanup_drill_projects.sh (the test's fixtures do it too; this
# catches a test process that was killed). Only this run's projects: a
# drill of another checkout may be running on the same machine.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo" || exit 1
out="$repo/.state/deploy-drill"
mkdir -p "$out"
log="$out/drill.log"
summary="$out/summary.txt"
: >"$log"
# shellcheck source=../../deploy/containers/podman.sh
source "$repo/deploy/containers/podman.sh" --env

steps=()
failed=0
started=$(date +%s)
# Runs one step with its output appended to the log (and shown); records
# its name, result and duration for the summary.
step() {
  local name=$1
  shift
  local begin end rc
  begin=$(date +%s)
  echo "== $name" | tee -a "$log"
  "$@" 2>&1 | tee -a "$log"
  rc=${PIPESTATUS[0]}
  end=$(date +%s)
  if [[ $rc -eq 0 ]]; then
    steps+=("$(printf '%-10s %-34s %5d s' PASS "$name" $((end - begin)))")
  else
    steps+=("$(printf '%-10s %-34s %5d s  (exit %d)' FAIL "$name" $((end - begin)) "$rc")")
    failed=1
  fi
  return "$rc"
}

# Removes every compose project this run started (named in the test's
# "[drill] project <name>:" lines): containers, pods, networks, volumes.
cleanup() {
  local projects
  mapfile -t projects < <(sed -n 's/^\[drill\] project \(qsdrill[0-9a-f]*\):.*/\1/p' "$log" | sort -u)
  [[ ${#projects[@]} -gt 0 ]] || return 0
  tests/deploy/cleanup_drill_projects.sh "${projects[@]}" 2>&1 | tee -a "$log"
}

write_summary() {
  local test_log="$repo/bazel-testlogs/tests/deploy/compose_drill_test/test.log"
  {
    echo "compose drill: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(git rev-parse --short HEAD 2>/dev/null)"
    echo "images before the run: $images_before (cold = built from nothing, warm = podman's cache)"
    echo
    echo "steps:"
    printf '  %s\n' "${steps[@]}"
    echo
    echo "cases:"
    if grep -q '^\[ *\(OK\|FAILED\) *\] [A-Za-z]*\.[A-Za-z]* (' "$log"; then
      sed -n 's/^\[ *\(OK\|FAILED\) *\] \([A-Za-z]*\.[A-Za-z]*\) (\([0-9]*\) ms)$/  \1 \2 \3/p' "$log" |
        awk '{ printf "  %-7s %-75s %6.1f s\n", ($1 == "OK" ? "PASS" : "FAIL"), $2, $3 / 1000 }'
    else
      echo "  (no case ran; see $log${test_log:+ and $test_log})"
    fi
    echo
    echo "figures:"
    sed -n 's/^\[drill\] /  /p' "$log"
    echo
    echo "total: $(($(date +%s) - started)) s; result: $([[ $failed -eq 0 ]] && echo PASS || echo FAIL)"
  } >"$summary"
}

finish() {
  cleanup
  write_summary
  cat "$summary"
}
trap finish EXIT

images_before=$(podman images -q 2>/dev/null | wc -l)
images_before="$images_before image(s)"

step "install dependencies" deploy/install-deps.sh || exit 1
missing=()
for tool in podman podman-compose docker-compose runc debootstrap; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "ERROR: ${missing[*]} missing: apt-get install podman podman-compose docker-compose runc debootstrap" | tee -a "$log"
  steps+=("FAIL       tools: ${missing[*]} missing")
  failed=1
  exit 1
fi

step "build images (deploy/images/build.sh)" deploy/images/build.sh || exit 1
step "check images" deploy/images/check_images.sh || exit 1

validate_compose() {
  local compose=deploy/compose
  # The development secrets the files require (their ${VAR:?} checks).
  set -a
  # shellcheck source=../../deploy/compose/.env.example
  source "$compose/.env.example"
  set +a
  local files
  for files in "docker-compose.yml" \
    "docker-compose.yml docker-compose.replica.yml" \
    "docker-compose.yml docker-compose.replica.yml docker-compose.scale.yml"; do
    local args=()
    for file in $files; do args+=(-f "$compose/$file"); done
    docker-compose "${args[@]}" config -q || {
      echo "invalid: $files"
      return 1
    }
    echo "valid: $files"
  done
}
step "validate compose files" validate_compose || exit 1

test_env=(--test_env=QS_REPO="$repo" --test_env=PATH --test_env=HOME)
# CONTAINERS_STORAGE_CONF: a podman storage of its own (e.g. to time a cold build).
for variable in POSTGRES_IMAGE NATS_IMAGE QS_IMAGE_PREFIX IMAGE_TAG CONTAINERS_STORAGE_CONF; do
  [[ -n "${!variable:-}" ]] && test_env+=(--test_env="$variable")
done
step "compose drill (bazel test)" bazel test --nocache_test_results --test_output=streamed \
  "${test_env[@]}" //tests/deploy:compose_drill_test "$@"
exit $failed
