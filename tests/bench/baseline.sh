#!/usr/bin/env bash
# Builds the quest server of an earlier commit, once, for run.sh's
# before/after tables (issue 12), and prints the binary's path:
#
#   tests/bench/baseline.sh 49b522b     # -> /work/baseline-49b522b/bazel-bin/quest/quest_server
#
# The commit is checked out as a git worktree outside the repository
# (BENCH_BASELINE_DIR, default /work/baseline-<commit>): a worktree inside it
# would be a second workspace under the first one's packages. The build runs
# in that worktree's own Bazel server, which exits after 5 idle minutes
# instead of staying resident beside the repository's. A binary already built
# is reused.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
commit=${1:?usage: tests/bench/baseline.sh COMMIT}
full=$(git -C "$repo" rev-parse --verify "$commit^{commit}")
dir=${BENCH_BASELINE_DIR:-$(dirname "$repo")/baseline-$commit}
if [[ ! -e $dir/.git ]]; then
  git -C "$repo" worktree add --detach "$dir" "$full" >&2
fi
if [[ $(git -C "$dir" rev-parse HEAD) != "$full" ]]; then
  echo "baseline.sh: $dir holds $(git -C "$dir" rev-parse --short HEAD), not $commit" >&2
  exit 1
fi
cd "$dir"
bazel --max_idle_secs=300 build -c opt //quest:quest_server >&2
echo "$(bazel --max_idle_secs=300 info -c opt bazel-bin 2>/dev/null)/quest/quest_server"
