#!/usr/bin/env bash
# Proves that Database-per-Service is structural in the build: for every
# ordered pair of services (six pairs)
#   1. no target of one service depends on any target of the other, and
#   2. a deliberate dependency (the manual probe //A/isolation_probe:uses_B)
#      is refused by Bazel's visibility check.
# Prints "N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

services=(quest notification social)
passed=0
failed=0

check() {  # check NAME COMMAND...: runs the command, counts the result.
  local name=$1; shift
  if "$@"; then
    passed=$((passed + 1)); echo "PASS $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"
  fi
}

no_dependency() {  # no_dependency FROM TO
  local found
  found=$(bazel query --noshow_progress \
    "deps(//$1/... except //$1/isolation_probe/...) intersect //$2/..." 2>/dev/null) || return 1
  [[ -z "$found" ]] || { echo "  //$1 depends on: $found"; return 1; }
}

probe_refused() {  # probe_refused FROM TO
  local output
  if output=$(bazel build --nobuild --noshow_progress "//$1/isolation_probe:uses_$2" 2>&1); then
    echo "  Bazel accepted //$1/isolation_probe:uses_$2"
    return 1
  fi
  grep -q "is not visible from target '//$1/isolation_probe:uses_$2'" <<<"$output" || {
    echo "$output" | tail -5; return 1; }
}

for from in "${services[@]}"; do
  for to in "${services[@]}"; do
    [[ "$from" == "$to" ]] && continue
    check "no //$from target depends on //$to" no_dependency "$from" "$to"
    check "Bazel refuses //$from -> //$to" probe_refused "$from" "$to"
  done
done
echo "dependency isolation: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
