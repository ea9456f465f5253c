#!/usr/bin/env bash
# podman with this project's settings (containers.conf next to this file):
#
#   deploy/containers/podman.sh build ...      # any podman command
#   source deploy/containers/podman.sh --env   # sets CONTAINERS_CONF in this shell
#   podman-compose -f deploy/compose/docker-compose.yml up   # then sees the same settings
#
# podman reads CONTAINERS_CONF from its environment, and podman-compose runs
# `podman` as a child process, so exporting it once covers both; nothing in
# /etc is changed.
containers_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="$containers_dir/containers.conf"
if [[ "${1:-}" == "--env" ]]; then
  # Sourced for its environment only.
  return 0 2>/dev/null || exit 0
fi
exec podman "$@"
