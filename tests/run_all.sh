#!/usr/bin/env bash
# The whole test suite against real servers, on a fresh Debian 12 machine:
#   1. installs what is missing from Debian's archive (deploy/install-deps.sh),
#   2. starts a PostgreSQL 15 primary + streaming replica and NATS JetStream on
#      loopback, in .state/test with their own ports (deploy/infra.sh),
#   3. checks service isolation in the build graph,
#   4. runs `bazel test //...` with the servers' coordinates as --test_env,
#   5. stops the servers (always, also on failure).
# Extra arguments go to `bazel test`, e.g. tests/run_all.sh //tests/common/db/...
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

export STATE_DIR="$repo/.state/test"
export PG_PRIMARY_PORT=${TEST_PG_PRIMARY_PORT:-56432}
export PG_REPLICA_PORT=${TEST_PG_REPLICA_PORT:-56433}
export NATS_PORT=${TEST_NATS_PORT:-56222}
export NATS_MONITOR_PORT=${TEST_NATS_MONITOR_PORT:-56822}

deploy/install-deps.sh
trap 'deploy/infra.sh stop --state "$STATE_DIR" || true' EXIT
deploy/infra.sh up --state "$STATE_DIR"
deploy/infra.sh reset-databases --state "$STATE_DIR"  # every run starts empty
# shellcheck disable=SC1091
source "$STATE_DIR/infra.env"

isolation=$(tests/isolation/check_dependency_isolation.sh) || { echo "$isolation"; exit 1; }
echo "$isolation"

test_env=()
for name in PG_HOST PG_PRIMARY_PORT PG_REPLICA_PORT PG_ADMIN_USER PG_ADMIN_PASSWORD \
            QUEST_DB_PASSWORD NOTIFICATION_DB_PASSWORD SOCIAL_DB_PASSWORD NATS_URL; do
  test_env+=("--test_env=$name=${!name}")
done
test_env+=("--test_env=PG_RESTART_PRIMARY_COMMAND=$repo/deploy/infra.sh restart-primary --state $STATE_DIR")

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(//...)
status=0
bazel test --nocache_test_results "${test_env[@]}" "${targets[@]}" || status=$?

# One closing line counting test cases (not targets) from the gtest XML
# reports of the targets just run.
passed=$(sed -n 's/^dependency isolation: \([0-9]*\) passed.*/\1/p' <<<"$isolation")
failed=0
while IFS= read -r report; do
  header=$(grep -m1 -o '<testsuites [^>]*>' "$report" || true)
  tests=$(sed -n 's/.* tests="\([0-9]*\)".*/\1/p' <<<"$header")
  failures=$(sed -n 's/.* failures="\([0-9]*\)".*/\1/p' <<<"$header")
  errors=$(sed -n 's/.* errors="\([0-9]*\)".*/\1/p' <<<"$header")
  [[ -n "$tests" ]] || { failed=$((failed + 1)); continue; }
  bad=$(( ${failures:-0} + ${errors:-0} ))
  passed=$((passed + tests - bad)); failed=$((failed + bad))
done < <(find -L bazel-testlogs/ -name test.xml -newer "$STATE_DIR/infra.env" 2>/dev/null)
[[ $status -eq 0 || $failed -gt 0 ]] || failed=1  # a build error counts too
echo "$passed passed, $failed failed"
exit $status
