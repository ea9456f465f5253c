#!/usr/bin/env bash
# The whole test suite against real servers, on a fresh Debian 12 machine:
#   1. installs what is missing from Debian's archive (deploy/install-deps.sh),
#   2. starts a PostgreSQL 15 primary + streaming replica and NATS JetStream on
#      loopback, in .state/test with their own ports (deploy/infra.sh),
#   3. checks service isolation in the build graph (a failure stops the run
#      here) and the C++ formatting (tests/format/check_format.sh; a failure
#      fails the run, but the tests still run so their result is visible),
#   4. builds the container images (deploy/images/build.sh: podman, from Bazel's
#      -c opt outputs) for the compose drill,
#   5. runs `bazel test //...` with the servers' coordinates as --test_env, and
#      the compose drill //tests/deploy:compose_drill_test (tagged manual, so
#      named here; exclusive: it runs alone, last),
#   6. stops the servers (always, also on failure).
# Extra arguments go to `bazel test` instead of those targets (no images are
# built then), e.g. tests/run_all.sh //tests/common/db/...
#
# It closes with one line per check, e.g.
#   dependency isolation: 12 passed, 0 failed
#   format: 160 files checked, 0 not formatted
#   247 test cases: 247 passed, 0 failed (0 skipped counted as failed)
# The last counts test cases (not targets) from the test.xml of every test
# target this run built, found through Bazel's build event file. Nothing in
# this suite may skip itself (a gtest suite whose SetUpTestSuite failed
# reports its cases as skipped), so a skipped or disabled case, an
# unreadable test.xml, and a test target that was not built or wrote no
# test.xml each count as failed. Any failure makes the exit code non-zero.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

export STATE_DIR="$repo/.state/test"
export PG_PRIMARY_PORT=${TEST_PG_PRIMARY_PORT:-15432}
export PG_REPLICA_PORT=${TEST_PG_REPLICA_PORT:-15433}
export NATS_PORT=${TEST_NATS_PORT:-15222}
export NATS_MONITOR_PORT=${TEST_NATS_MONITOR_PORT:-15822}

deploy/install-deps.sh
# A drill that was killed leaves its compose projects: removed on every exit.
trap 'tests/deploy/cleanup_drill_projects.sh || true; deploy/infra.sh stop --state "$STATE_DIR" || true' EXIT
deploy/infra.sh up --state "$STATE_DIR"
deploy/infra.sh reset-databases --state "$STATE_DIR"  # every run starts empty
# shellcheck disable=SC1091
source "$STATE_DIR/infra.env"

isolation=$(tests/isolation/check_dependency_isolation.sh) || { echo "$isolation"; exit 1; }
echo "$isolation"
format_status=0
format=$(tests/format/check_format.sh 2>&1) || format_status=$?
echo "$format"

test_env=()
for name in PG_HOST PG_PRIMARY_PORT PG_REPLICA_PORT PG_ADMIN_USER PG_ADMIN_PASSWORD \
            QUEST_DB_PASSWORD NOTIFICATION_DB_PASSWORD SOCIAL_DB_PASSWORD \
            QUEST_OWNER_PASSWORD NOTIFICATION_OWNER_PASSWORD SOCIAL_OWNER_PASSWORD NATS_URL; do
  test_env+=("--test_env=$name=${!name}")
done
test_env+=("--test_env=PG_RESTART_PRIMARY_COMMAND=$repo/deploy/infra.sh restart-primary --state $STATE_DIR")
# For tests that start a PostgreSQL primary + replica of their own (to stop,
# pause or break them without touching the shared servers).
test_env+=("--test_env=QS_INFRA_SCRIPT=$repo/deploy/infra.sh")
# The backup tests start a local S3-compatible server (npm s3rver, installed
# by deploy/install-deps.sh) and run the backup scripts of deploy/backup.
test_env+=("--test_env=QS_S3RVER=$repo/tests/backup/s3rver/node_modules/.bin/s3rver")
test_env+=("--test_env=QS_REPO=$repo")

# The compose drill runs podman (from PATH) as root (HOME for its config).
test_env+=("--test_env=PATH" "--test_env=HOME")

targets=("$@")
images_line=""
images_status=0
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(//... //tests/deploy:compose_drill_test)
  # The drill refuses images of another commit, so a failed build cannot
  # pass on old ones; the tests still run, and the run fails at the end.
  images=$(deploy/images/build.sh --services quest,notification,social --standins --backup 2>&1 &&
    deploy/images/check_images.sh quest notification social backup 2>&1) || images_status=$?
  echo "$images"
  images_line=$(grep '^images:' <<<"$images" | tail -1) || true
  [[ $images_status -eq 0 ]] || images_line="images: build or check failed (exit $images_status)${images_line:+; $images_line}"
fi
build_events="$STATE_DIR/build_events.json"
rm -f "$build_events"
status=0
bazel test --nocache_test_results --build_event_json_file="$build_events" \
  "${test_env[@]}" "${targets[@]}" || status=$?

# Counts test cases from the build event file (see the header); prints the
# cases that failed or skipped, then the closing line; exits 1 on any failure.
count_test_cases() {  # count_test_cases BUILD_EVENTS BAZEL_EXIT_STATUS
  python3 - "$@" <<'PY'
import json
import sys
import urllib.parse
import xml.etree.ElementTree as ET

build_events, bazel_status = sys.argv[1], int(sys.argv[2])
kinds, built, results, problems = {}, {}, {}, []
passed = failed = skipped = 0


def fail(what):
    global failed
    failed += 1
    problems.append(what)


try:
    with open(build_events, encoding="utf-8") as events:
        for line in events:
            event = json.loads(line)
            kind, key = next(iter(event["id"].items()))
            if kind == "targetConfigured" and "configured" in event:
                kinds[key["label"]] = event["configured"].get("targetKind", "")
            elif kind == "targetCompleted":  # "aborted" instead of "completed" when not built
                built[key["label"]] = bool(event.get("completed", {}).get("success"))
            elif kind == "testResult":
                # Per run and shard, only the last attempt (--flaky_test_attempts).
                slot = (key["label"], key.get("run", 1), key.get("shard", 1))
                attempt = key.get("attempt", 1)
                if slot not in results or attempt >= results[slot][0]:
                    result = event.get("testResult", {})
                    outputs = {o["name"]: o.get("uri", "") for o in result.get("testActionOutput", [])}
                    results[slot] = (attempt, outputs.get("test.xml"), result.get("status", ""),
                                     outputs.get("test.log"))
except (OSError, ValueError, KeyError, StopIteration) as error:
    fail(f"build event file unreadable: {error}")

tested = {label for label, _, _ in results}
for label, kind in sorted(kinds.items()):
    # Built but not run means left out by a filter such as --test_tag_filters.
    if kind.endswith("_test rule") and label not in tested and not built.get(label):
        fail(f"{label}: not built or not run, no test.xml")

failed_logs = []
for (label, run, shard), (_, uri, status, log_uri) in sorted(results.items()):
    if status not in ("PASSED", "FLAKY") and log_uri:
        failed_logs.append((label, log_uri))
    target = label if (run, shard) == (1, 1) else f"{label} (run {run}, shard {shard})"
    if not uri:
        fail(f"{target}: no test.xml")
        continue
    try:
        root = ET.parse(urllib.parse.unquote(urllib.parse.urlparse(uri).path)).getroot()
    except (OSError, ET.ParseError) as error:
        fail(f"{target}: test.xml unreadable ({error})")
        continue
    failed_before = failed
    cases = list(root.iter("testcase"))
    for case in cases:
        name = target + " " + ".".join(filter(None, (case.get("classname"), case.get("name"))))
        if case.find("failure") is not None or case.find("error") is not None:
            fail(f"{name}: failed")
        elif (case.find("skipped") is not None or case.get("status") == "notrun" or
              case.get("result") in ("skipped", "suppressed")):
            skipped += 1
            fail(f"{name}: skipped (counted as failed)")
        else:
            passed += 1
    if not cases:  # a summary of counts only, as report_test writes
        if root.get("tests") is None or not all(
                (root.get(a) or "0").isdigit() for a in ("tests", "failures", "errors", "skipped")):
            fail(f"{target}: test.xml has neither test cases nor counts")
            continue
        tests, failures, errors, skips = (
            int(root.get(a) or 0) for a in ("tests", "failures", "errors", "skipped"))
        for _ in range(failures + errors):
            fail(f"{target}: a test case failed")
        for _ in range(skips):
            skipped += 1
            fail(f"{target}: a test case skipped (counted as failed)")
        passed += max(0, tests - failures - errors - skips)
    if status not in ("PASSED", "FLAKY") and failed == failed_before:
        fail(f"{target}: {status or 'no status'} although no test case failed")
if bazel_status != 0 and failed == 0:
    fail(f"bazel test exited with {bazel_status} outside any test case (build error?)")

# The end of each failed target's log, so that a CI run whose logs are gone
# still says why.
for label, log_uri in failed_logs[:6]:
    try:
        with open(urllib.parse.unquote(urllib.parse.urlparse(log_uri).path),
                  encoding="utf-8", errors="replace") as log:
            tail = log.readlines()[-80:]
    except OSError as error:
        tail = [f"(log unreadable: {error})\n"]
    print(f"----- {label}: last {len(tail)} lines of its test.log -----")
    print("".join(tail), end="")
for problem in problems[:40]:
    print(f"  {problem}")
if len(problems) > 40:
    print(f"  ... and {len(problems) - 40} more")
print(f"{passed + failed} test cases: {passed} passed, {failed} failed "
      f"({skipped} skipped counted as failed)")
sys.exit(1 if failed else 0)
PY
}

counts_status=0
counts=$(count_test_cases "$build_events" "$status") || counts_status=$?
echo
grep '^dependency isolation:' <<<"$isolation"
grep '^format:' <<<"$format" || echo "format: check did not run ($format_status)"
[[ -z "$images_line" ]] || echo "$images_line"
echo "$counts"
[[ $status -ne 0 ]] || status=$counts_status
[[ $status -ne 0 ]] || status=$format_status
[[ $status -ne 0 ]] || status=$images_status
exit $status
