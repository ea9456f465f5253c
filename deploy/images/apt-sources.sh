#!/usr/bin/env bash
# Prints the apt sources an image gets, from the machine's deb822 file:
#
#   deploy/images/apt-sources.sh [/etc/apt/sources.list.d/debian.sources] > debian.sources
#
# The images must see the same archive and suites (updates, security) as
# the packages the binaries were linked against, but nothing else of the
# machine's file: only the fields apt needs to fetch and verify, Types (apt
# ignores a stanza without it), URIs, Suites, Components and Signed-By (with
# its continuation lines, for an inline key). Comments and every other
# field (options such as Trusted, Check-Valid-Until, a mirror's notes) are
# dropped. A URI carrying credentials (scheme://user:password@host) stops it
# with exit 1: they would be in every image's layer for anyone who pulls
# it; apt's auth.conf.d is where they belong, and it is never copied.
set -euo pipefail
file=${1:-/etc/apt/sources.list.d/debian.sources}
[[ -r "$file" ]] || { echo "ERROR: cannot read $file" >&2; exit 1; }

awk -v file="$file" '
  BEGIN { keep = 0; blank = 1; stanzas = 0 }
  /^#/ { next }
  /^[ \t]*$/ { if (!blank) print ""; blank = 1; keep = 0; next }
  /^[ \t]/ { if (keep) print; next }  # a continuation of the field above
  {
    field = $1
    keep = (field ~ /^(Types|URIs|Suites|Components|Signed-By):$/)
    if (field == "URIs:" && $0 ~ /:\/\/[^\/ ]*@/) {
      printf "ERROR: %s: a URIs: line carries credentials; use /etc/apt/auth.conf.d\n", file > "/dev/stderr"
      exit 1
    }
    if (field == "Types:" && blank) stanzas++
    if (keep) { print; blank = 0 }
  }
  END { if (stanzas == 0) { printf "ERROR: %s: no deb822 stanza\n", file > "/dev/stderr"; exit 1 } }
' "$file"
