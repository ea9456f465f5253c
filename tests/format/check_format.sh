#!/usr/bin/env bash
# Checks that every git-tracked C++ file (*.h, *.cc) is formatted as the
# repository's .clang-format says (clang-format 14, Debian's clang-format).
# Lists the files that are not, then prints one line
#   format: N files checked, M not formatted
# and exits non-zero when M > 0. Files not yet added to git are not checked.
#
# To reformat everything (never in the middle of others' edits):
#   git ls-files -z -- '*.h' '*.cc' | xargs -0 clang-format -i
# CLANG_FORMAT=clang-format-14 picks a specific binary.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null; then
  echo "format: $clang_format not found (deploy/install-deps.sh installs it)" >&2
  exit 1
fi
# Without it clang-format would silently fall back to another style.
[[ -f .clang-format ]] || { echo "format: no .clang-format in $repo" >&2; exit 1; }

checked=0
unformatted=0
while IFS= read -r -d '' file; do
  [[ -f "$file" ]] || continue  # deleted in the work tree, not yet in git
  checked=$((checked + 1))
  if ! "$clang_format" --style=file --dry-run -Werror --ferror-limit=1 "$file" >/dev/null 2>&1
  then
    echo "  not formatted: $file"
    unformatted=$((unformatted + 1))
  fi
done < <(git ls-files -z -- '*.h' '*.cc')

echo "format: $checked files checked, $unformatted not formatted"
[[ $unformatted -eq 0 ]]
