#!/usr/bin/env bash
# Removes what compose drill projects left in podman: their containers, pods,
# networks and volumes.
#
#   tests/deploy/cleanup_drill_projects.sh                 # every qsdrill* project
#   tests/deploy/cleanup_drill_projects.sh qsdrill1a2b3c4d # only these projects
#
# The drill's fixtures remove their projects themselves; this catches a test
# process that was killed (a CI timeout, ^C), so run_drill.sh runs it on exit
# and tests/run_all.sh from its EXIT trap. Projects are found by podman-
# compose's label io.podman.compose.project and, for networks and volumes
# podman-compose 1.0.3 made without it, by its names "<project>_...".
# Without arguments it also removes the projects of a drill running at the
# same moment from another checkout on this machine: name them to avoid that.
# Prints one line per project removed; exits 0 unless podman itself is
# missing.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../deploy/containers/podman.sh
source "$repo/deploy/containers/podman.sh" --env
command -v podman >/dev/null || {
  echo "cleanup_drill_projects.sh: podman is not installed" >&2
  exit 1
}
label=io.podman.compose.project
pattern='qsdrill[0-9a-f]+'

# The qsdrill project names podman knows of, from labels and names.
found_projects() {
  {
    podman ps -a --filter "label=$label" --format '{{.Labels}}'
    podman pod ps --filter "label=$label" --format '{{.Labels}}'
    podman network ls --format '{{.Name}} {{.Labels}}'
    podman volume ls --format '{{.Name}} {{.Labels}}'
    podman ps -a --format '{{.Names}}'
  } 2>/dev/null | grep -oE "(^|[ :=\[])$pattern(_|\b)" | grep -oE "$pattern" | sort -u
}

# Lines in a list ("" is none).
count() {
  if [[ -z "$1" ]]; then echo 0; else wc -l <<<"$1"; fi
}

if [[ $# -gt 0 ]]; then
  projects=("$@")
else
  mapfile -t projects < <(found_projects)
fi

for project in "${projects[@]}"; do
  [[ "$project" =~ ^$pattern$ ]] || {
    echo "skipped $project: not a drill project name" >&2
    continue
  }
  filter="label=$label=$project"
  containers=$(
    {
      podman ps -a --filter "$filter" --format '{{.Names}}'
      podman ps -a --format '{{.Names}}' | grep "^${project}_"
    } 2>/dev/null | sort -u
  )
  pods=$(podman pod ps -q --filter "$filter" 2>/dev/null)
  networks=$(
    {
      podman network ls --filter "$filter" --format '{{.Name}}'
      podman network ls --format '{{.Name}}' | grep "^${project}_"
    } 2>/dev/null | sort -u
  )
  volumes=$(
    {
      podman volume ls --filter "$filter" --format '{{.Name}}'
      podman volume ls --format '{{.Name}}' | grep "^${project}_"
    } 2>/dev/null | sort -u
  )
  [[ -z "$containers$pods$networks$volumes" ]] && continue
  # Containers first: a pod, network or volume in use cannot go.
  [[ -n "$containers" ]] && xargs -r podman rm -f -t 0 <<<"$containers" >/dev/null 2>&1
  [[ -n "$pods" ]] && xargs -r podman pod rm -f <<<"$pods" >/dev/null 2>&1
  [[ -n "$networks" ]] && xargs -r podman network rm -f <<<"$networks" >/dev/null 2>&1
  [[ -n "$volumes" ]] && xargs -r podman volume rm -f <<<"$volumes" >/dev/null 2>&1
  echo "removed drill project $project: $(count "$containers") container(s)," \
    "$(count "$pods") pod(s), $(count "$networks") network(s), $(count "$volumes") volume(s)"
done
exit 0
