#!/usr/bin/env bash
# Prints the Debian packages whose shared libraries the given binaries load,
# one name a line, sorted: the runtime image installs exactly these.
#
#   deploy/images/runtime-packages.sh bazel-bin/quest/quest_server ... > runtime-packages.txt
#
# Computed from the binaries themselves (ldd, then `dpkg -S` of each
# library), so the image cannot drift from what the build links: a new
# -l flag in third_party/BUILD.bazel brings its package with it. Names carry
# the soname (libgrpc++1.51, libpqxx-6.4), so the ABI is the one linked
# against; versions are left to the archive the image is built from.
# Fails when a binary is missing, is not dynamically linked, or needs a
# library that no installed package owns (it could not be installed).
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 BINARY..." >&2
  exit 1
fi

# Every spelling of a library's path that a package may list: ldd says
# /lib/..., a package may list /usr/lib/... (merged /usr), and it may ship
# only the symlink's target (the versioned file).
spellings_of() {
  local path=$1 real
  real=$(readlink -f "$path")
  printf '%s\n' "$path" "${path#/usr}" "/usr${path}" "$real" "${real#/usr}" "/usr${real}"
}

declare -A libraries=()  # path -> the binary that needs it (for messages)
for binary in "$@"; do
  if [[ ! -x "$binary" ]]; then
    echo "ERROR: $binary is not an executable file" >&2
    exit 1
  fi
  if ! listing=$(ldd "$binary" 2>&1) || [[ "$listing" == *"not a dynamic executable"* ]]; then
    echo "ERROR: ldd $binary: $listing" >&2
    exit 1
  fi
  # Lines: "libx.so.1 => /path/libx.so.1 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)";
  # linux-vdso has no file.
  while read -r line; do
    if [[ "$line" == *"=> not found"* ]]; then
      echo "ERROR: $binary needs ${line%% *}, which is not installed here" >&2
      exit 1
    fi
    if [[ "$line" =~ =\>\ (/[^ ]+) ]] || [[ "$line" =~ ^(/[^ ]+) ]]; then
      libraries[${BASH_REMATCH[1]}]=$binary
    fi
  done <<<"$listing"
done

# One dpkg-query for every spelling at once (one call per library takes
# half a minute): "libgrpc++1.51:amd64: /usr/lib/x86_64-linux-gnu/libgrpc++.so.1.51".
mapfile -t candidates < <(for library in "${!libraries[@]}"; do spellings_of "$library"; done |
  LC_ALL=C sort -u)
declare -A owner=()
while IFS= read -r line; do
  package=${line%%:*}
  owner[${line##*: }]=$package
done < <(dpkg-query -S "${candidates[@]}" 2>/dev/null || true)

declare -A packages=()
for library in "${!libraries[@]}"; do
  found=""
  while read -r spelling; do
    if [[ -n "${owner[$spelling]:-}" ]]; then
      found=${owner[$spelling]}
      break
    fi
  done < <(spellings_of "$library")
  if [[ -z "$found" ]]; then
    echo "ERROR: no Debian package owns $library (needed by ${libraries[$library]})" >&2
    exit 1
  fi
  packages[$found]=1
done
printf '%s\n' "${!packages[@]}" | LC_ALL=C sort
