#!/usr/bin/env bash
# Point-in-time recovery with pgBackRest: base backups of the primary, and
# restores from its WAL archive (deploy/infra.sh has the primary push every
# segment) into a NEW data directory on a port of its own. Nothing is ever
# restored over a cluster: the target directory must be absent or empty.
#
#   pitr.sh base --type full|diff|incr
#   pitr.sh info [--output json]
#   pitr.sh check            force a WAL switch and wait until it is archived
#   pitr.sh restore --to "2026-12-02 03:40:00.000000+00" --data-dir DIR --port P
#   pitr.sh latest --data-dir DIR --port P     to the end of the archive (primary lost)
#   pitr.sh stop --data-dir DIR [--remove]     stop a restored cluster (and delete it);
#                            only a directory a restore made, never pg1-path
#   pitr.sh restore-database --database quest_db --to T [--port P] [--side-dir DIR]
# Options of every command:
#   --state DIR     deploy/infra.sh's state directory (default $STATE_DIR, else
#                   <repo>/.state/local): its repository and config
#   --config FILE   a pgBackRest config instead (production:
#                   /etc/pgbackrest/pgbackrest.conf, see pgbackrest.conf.example)
#   --stanza NAME   default quest-ecosystem
#
# restore / latest: `pgbackrest restore` (--type=time --target=T, or to the
# end of the archive) with recovery_target_action=promote and archive_mode=off
# (a restored cluster must not push its new timeline into the primary's
# repository), started on 127.0.0.1:P, then checked: recovery reached the
# target (a time restore whose WAL ends before T fails; `latest` must have
# replayed up to the archive's newest segment) and the cluster is
# promoted. T must carry its zone. It is left running, to inspect, dump from, or make the new
# primary (docs/operations/point-in-time-recovery.md). A failed restore
# leaves no data directory behind.
#
# restore-database: restores the cluster to T into a side directory (in
# --side-dir, default beside pg1-path; its free space is checked), dumps
# that one database (pg_dump -Fc) and hands the dump to
#   $BACKUP_TOOL restore --database D --from-dump FILE
# (default deploy/backup/backup; it restores into a new database of the live
# primary and switches only when that is complete and verified; its BACKUP_*
# settings come from this environment), then stops and deletes the side
# cluster. The other databases are not touched.
#
# Runs pgBackRest and PostgreSQL as the postgres OS user (from root through
# runuser, or as postgres itself). PGBACKREST_* variables of the caller reach
# pgBackRest (e.g. PGBACKREST_REPO1_CIPHER_PASS). Exit status: 0 done, 1
# failed, 2 bad usage.
set -euo pipefail
repo=${BUILD_WORKSPACE_DIRECTORY:-$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)}
pg_bin=/usr/lib/postgresql/15/bin

log() { echo "[pitr] $*"; }
die() { echo "[pitr] ERROR: $*" >&2; exit 1; }
usage() {
  sed -n '/^#   pitr.sh/,/^#   --stanza/p' "$(readlink -f "$0")" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

command=${1:-}
shift || true
state=${STATE_DIR:-$repo/.state/local}
config="" stanza=quest-ecosystem type="" to="" data_dir="" port="" database="" remove=no
side_parent=""
output=text
while [[ $# -gt 0 ]]; do
  [[ $# -ge 2 || $1 == --remove ]] || { echo "missing value of $1" >&2; usage; }
  case "$1" in
    --state) state=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --stanza) stanza=$2; shift 2 ;;
    --type) type=$2; shift 2 ;;
    --to) to=$2; shift 2 ;;
    --data-dir) data_dir=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --database) database=$2; shift 2 ;;
    --side-dir) side_parent=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    --remove) remove=yes; shift ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
# pgBackRest takes absolute paths only.
[[ -z $data_dir ]] || data_dir=$(realpath -m "$data_dir")
[[ -z $side_parent ]] || side_parent=$(realpath -m "$side_parent")
# A restore writes this into the data directory it made: `stop --remove`
# deletes only such directories, never a production cluster.
marker=.pitr-restored

as_postgres() {
  if [[ $(id -un) == postgres ]]; then "$@"; else runuser -u postgres -- "$@"; fi
}

# The repository's config: deploy/infra.sh keeps it under the state's
# cluster directory (the `pg` link), which postgres can reach.
if [[ -z $config ]]; then
  [[ -e $state/pg ]] || die "no clusters in $state: run deploy/infra.sh up first (or pass --config)"
  config="$(readlink -f "$state/pg")/pgbackrest/pgbackrest.conf"
fi
as_postgres test -r "$config" || die "pgBackRest config $config missing or unreadable by postgres"

# An explicit --config makes pgBackRest skip its default include path: the
# secrets file of production (conf.d/ beside the config) is passed on.
include_args=()
as_postgres test -d "$(dirname "$config")/conf.d" &&
  include_args=(--config-include-path="$(dirname "$config")/conf.d")
pgbackrest_as_postgres() {
  as_postgres pgbackrest --config="$config" "${include_args[@]}" --stanza="$stanza" "$@"
}

# pgBackRest's own ERROR/WARN lines (without the undecryptable bytes it
# quotes), then a sentence for the cause an operator meets first.
explain_pgbackrest_failure() {  # explain_pgbackrest_failure OUTPUT WHAT
  local output=$1 what=$2 repo_path errors
  output=$(echo "$output" | LC_ALL=C tr -cd '[:print:]\n\t')
  echo "$output" | grep -E "ERROR|WARN|status: error" >&2 || echo "$output" | tail -n 5 >&2
  # Only the errors and warnings name the cause (INFO lines echo every
  # option); an undecryptable repository shows as a [FormatError] warning.
  errors=$(echo "$output" | grep -E "ERROR|WARN|status: error|Error\]" || true)
  repo_path=$(as_postgres sed -n "s/^repo1-path=//p" "$config" | head -n 1)
  repo_path=${repo_path:-of $config}
  if echo "$errors" | grep -qE "CryptoError|FormatError|cipher header|cipher-pass|\[029\]"; then
    die "$what: cannot read the pgBackRest repository $repo_path: wrong or missing" \
      "repo1-cipher-pass (config $config, or PGBACKREST_REPO1_CIPHER_PASS), or its" \
      "info files are damaged"
  fi
  if echo "$errors" | grep -q "unable to find backup set with stop time less than"; then
    die "$what: no base backup finished before the target (whole seconds): the earliest" \
      "reachable time is the oldest backup's stop time (pitr.sh info)"
  fi
  if echo "$errors" | grep -qE "FileMissingError|HostConnectError|missing stanza"; then
    die "$what: the pgBackRest repository $repo_path is unreachable or has no stanza" \
      "$stanza (stanza-create not run, or the wrong repository)"
  fi
  die "$what failed (pgBackRest's log: the log-path of $config)"
}

port_in_use() { ss -Hltn "sport = :$1" | grep -q .; }

free_port() {
  local candidate
  for candidate in $(seq 54390 54420); do
    port_in_use "$candidate" || { echo "$candidate"; return; }
  done
  die "no free port in 54390-54420 for the side cluster: pass --port"
}

# A directory the restore may fill: absent or empty, writable by postgres.
prepare_data_dir() {
  local dir=$1
  if [[ -e $dir && -n $(ls -A "$dir" 2>/dev/null) ]]; then
    die "$dir is not empty: a restore goes into a new data directory, never over a cluster"
  fi
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  chmod 700 "$dir"
  as_postgres test -w "$dir" ||
    die "postgres cannot write $dir (postgres must be able to enter its parent directories)"
}

# Unix sockets have a ~107-byte path limit: the socket sits in the data
# directory when that is short enough.
socket_dir_of() {
  if [[ ${#1} -lt 90 ]]; then echo "$1"; else echo /tmp; fi
}

psql_on() {  # psql_on DATA_DIR PORT SQL: as postgres over the socket
  as_postgres "$pg_bin/psql" -X -q -tA -v ON_ERROR_STOP=1 -h "$(socket_dir_of "$1")" -p "$2" \
    -d postgres -c "$3"
}

server_log_of() { echo "$1/pitr-restore.log"; }

pg_running() { as_postgres "$pg_bin/pg_ctl" -D "$1" status >/dev/null 2>&1; }

# pgBackRest restores every tablespace below this sibling of the data
# directory (--tablespace-map-all): a restore never writes the live ones.
tablespaces_of() { echo "$1.tablespaces"; }

# stop_cluster DIR MODE: stops the postmaster of DIR and makes sure it is
# gone (pg_ctl can fail and leave a detached postmaster running): SIGKILL to
# the pid in postmaster.pid if needed. Fails when it survives, so that
# nobody deletes the files of a running server.
stop_cluster() {
  local dir=$1 mode=$2 pid=""
  [[ -f $dir/postmaster.pid ]] && pid=$(head -n 1 "$dir/postmaster.pid" 2>/dev/null || true)
  as_postgres "$pg_bin/pg_ctl" -D "$dir" -m "$mode" -w -t 60 stop >/dev/null 2>&1 || true
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    local i
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    echo "[pitr] ERROR: the postmaster $pid of $dir survived SIGKILL: not removing $dir" >&2
    return 1
  fi
  return 0
}

remove_cluster() {  # remove_cluster DIR: only once its postmaster is gone
  stop_cluster "$1" immediate || return 1
  rm -rf "$1" "$(tablespaces_of "$1")"
}

# Undoes a failed restore: stops what was started and deletes the directory.
discard_restore() {
  local dir=$1
  if [[ -f $(server_log_of "$dir") ]]; then
    echo "--- last lines of the restored server's log ---" >&2
    tail -n 15 "$(server_log_of "$dir")" >&2
  fi
  remove_cluster "$dir" || true
}

# After a failed restore to TARGET: if replay ran out of archive before
# reaching it, discards the restore and says so; else returns.
die_if_recovery_ended_early() {  # die_if_recovery_ended_early DIR TARGET
  local dir=$1 target=$2
  grep -q "recovery ended before configured recovery target was reached" \
    "$(server_log_of "$dir")" 2>/dev/null || return 0
  discard_restore "$dir"
  die "recovery to $target ended before the target: no transaction committed after" \
    "$target is in the archive yet. If nothing was written after it, \`latest\` restores" \
    "the same state; else run \`pitr.sh check\` once writes resumed, and retry"
}

# --to must name its zone: a bare time would be read in the server's zone.
validate_target() {
  local target=$1
  [[ $target =~ ([+-][0-9]{2}(:?[0-9]{2})?|Z|UTC)$ ]] ||
    die "--to '$target' has no zone: end it with +00, Z or +hh:mm (e.g. '2026-12-02 14:03:07+00')"
  date -u -d "$target" >/dev/null 2>&1 ||
    die "--to '$target' is not a time (e.g. '2026-12-02 14:03:07.250+00')"
}

# The archive's newest WAL segment, from `pgbackrest info --output json`.
archive_max() {
  pgbackrest_as_postgres --output=json info 2>/dev/null |
    grep -oE '"max":"[0-9A-F]{24}"' | sed 's/"max":"//; s/"//' | sort | tail -n 1
}

# Size in bytes of the newest base backup's cluster (what a restore writes).
newest_backup_size() {
  pgbackrest_as_postgres --output=json info 2>/dev/null |
    grep -oE '"info":\{"delta":[0-9]+,"repository":\{[^}]*\},"size":[0-9]+' |
    sed 's/.*"size"://' | tail -n 1
}

# A restored dir without postgresql.conf / pg_hba.conf (Debian keeps them in
# /etc/postgresql/15/<cluster>, outside the backup) gets minimal ones: the
# settings that matter come on pg_ctl's command line.
ensure_config_files() {
  local dir=$1
  if [[ ! -f $dir/postgresql.conf ]]; then
    as_postgres sh -c "echo '# written by pitr.sh: the backup had no postgresql.conf' >'$dir/postgresql.conf'"
    log "the backup has no postgresql.conf (Debian keeps it in /etc): wrote a minimal one"
  fi
  if [[ ! -f $dir/pg_hba.conf ]]; then
    as_postgres sh -c "printf '%s\n' 'local all postgres peer' 'host all all 127.0.0.1/32 scram-sha-256' >'$dir/pg_hba.conf'"
    log "the backup has no pg_hba.conf: wrote one (local postgres peer, 127.0.0.1 scram-sha-256)"
  fi
  [[ -f $dir/pg_ident.conf ]] || as_postgres touch "$dir/pg_ident.conf"
}

# restore_cluster KIND TARGET DIR PORT: KIND is time (TARGET a timestamp
# with zone) or latest. Prints what it did; dies (leaving nothing) if the
# cluster did not reach the target and promote.
restore_cluster() {
  local kind=$1 target=$2 dir=$3 port=$4
  [[ $port =~ ^[0-9]+$ ]] || die "--port must be a number, not '$port'"
  port_in_use "$port" && die "port $port is taken: pick another --port"
  prepare_data_dir "$dir"
  # restore_command with --archive-async=n: the restored cluster fetches WAL
  # itself, never through (or locking) the spool of production's
  # asynchronous archiving (restore itself takes no archive-async).
  local fetch="pgbackrest --config=$config ${include_args[*]} --stanza=$stanza --pg1-path=$dir"
  fetch+=" --archive-async=n archive-get %f \"%p\""
  local started=$SECONDS args=(--pg1-path="$dir" --archive-mode=off
    "--recovery-option=restore_command=$fetch"
    "--tablespace-map-all=$(tablespaces_of "$dir")" --log-level-console=info)
  if [[ $kind == time ]]; then
    args+=(--type=time "--target=$target" --target-action=promote)
  else
    args+=(--type=default)
  fi
  log "pgbackrest restore ($kind${target:+ $target}) into $dir"
  local output
  if ! output=$(pgbackrest_as_postgres "${args[@]}" restore 2>&1); then
    rm -rf "$dir" "$(tablespaces_of "$dir")"
    explain_pgbackrest_failure "$output" "restore into $dir"
  fi
  as_postgres touch "$dir/$marker"
  ensure_config_files "$dir"
  echo "$output" | grep -oE "restore backup set [^,]+" | sed 's/^/[pitr] /' || true
  local restored=$SECONDS socket
  socket=$(socket_dir_of "$dir")
  log "starting it on 127.0.0.1:$port; replaying WAL from the archive"
  if ! as_postgres "$pg_bin/pg_ctl" -D "$dir" -l "$(server_log_of "$dir")" -w -t 3600 \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$socket' -c lc_messages=C -c shared_buffers=${PITR_SHARED_BUFFERS:-128MB}" \
      start >/dev/null; then
    die_if_recovery_ended_early "$dir" "$target"
    discard_restore "$dir"
    die "the restored cluster did not start (above: its log; a time before the base" \
      "backup, or after the end of the archive, cannot be reached)"
  fi
  local deadline=$((SECONDS + ${PITR_RECOVERY_TIMEOUT_S:-3600})) in_recovery=t
  while ((SECONDS < deadline)); do
    pg_running "$dir" || break
    in_recovery=$(psql_on "$dir" "$port" "SELECT pg_is_in_recovery()" 2>/dev/null || echo t)
    [[ $in_recovery == f ]] && break
    sleep 0.2
  done
  local server_log
  server_log=$(server_log_of "$dir")
  if [[ $in_recovery != f ]]; then
    # With hot standby on, pg_ctl -w returns once the server accepts
    # read-only connections, which can be before replay hits the end.
    die_if_recovery_ended_early "$dir" "$target"
    discard_restore "$dir"
    die "recovery did not finish and promote (above: its log)"
  fi
  if [[ $kind == time ]] && ! grep -q "recovery stopping" "$server_log"; then
    discard_restore "$dir"
    die "the cluster promoted without reaching the target $target"
  fi
  if [[ $kind == latest ]]; then
    # restore_command errors (a missing or damaged segment) read as "no
    # more WAL": recovery ends early and promotes. The last segment replayed
    # must be the archive's newest.
    local newest replayed
    newest=$(archive_max)
    replayed=$(grep -oE 'restored log file "[0-9A-F]{24}"' "$server_log" |
      grep -oE '[0-9A-F]{24}' | sort | tail -n 1)
    if [[ -z $newest || $replayed < $newest ]]; then
      discard_restore "$dir"
      die "recovery stopped at WAL segment ${replayed:-none} but the archive reaches" \
        "${newest:-?}: a segment after ${replayed:-the backup} is missing or unreadable in the" \
        "repository (archive-get's errors are in the log above; pgbackrest info shows the range)"
    fi
  fi
  grep -oE "recovery stopping [^\"]*|redo done at [0-9A-F/]+|selected new timeline ID: [0-9]+" \
    "$server_log" | sed 's/^/[pitr] /' || true
  log "restored in $((SECONDS - started)) s (files $((restored - started)) s," \
    "WAL replay $((SECONDS - restored)) s): promoted, running on 127.0.0.1:$port, data $dir"
}

need() { [[ -n $2 ]] || { echo "$1 is required" >&2; usage; }; }

case "$command" in
  base)
    need --type "$type"
    [[ $type =~ ^(full|diff|incr)$ ]] || { echo "--type must be full, diff or incr" >&2; usage; }
    started=$SECONDS
    if ! output=$(pgbackrest_as_postgres --type="$type" --log-level-console=info backup 2>&1); then
      explain_pgbackrest_failure "$output" "$type base backup"
    fi
    label=$(echo "$output" | grep -oE "new backup label = [^ ]+" | sed 's/.* = //' || true)
    log "$type base backup ${label:-?} done in $((SECONDS - started)) s"
    ;;
  info)
    # pgBackRest answers info with exit status 0 even when it cannot decrypt
    # or finds no stanza; "no valid backups" (code 2) is a state, not a failure.
    if ! output=$(pgbackrest_as_postgres --output="$output" info 2>&1) ||
        echo "$output" | grep -av "no valid backups" | grep -aq "status: error" ||
        echo "$output" | grep -aqE '"status":\{"code":([13-9]|[1-9][0-9])'; then
      explain_pgbackrest_failure "$output" "info"
    fi
    echo "$output"
    ;;
  check)
    if ! output=$(pgbackrest_as_postgres check 2>&1); then
      explain_pgbackrest_failure "$output" "check (WAL switch + archive)"
    fi
    log "archiving works: the current WAL segment was switched and archived"
    ;;
  restore)
    need --to "$to"
    need --data-dir "$data_dir"
    need --port "$port"
    validate_target "$to"
    restore_cluster time "$to" "$data_dir" "$port"
    log "stop it with: $0 stop --data-dir $data_dir [--remove]"
    ;;
  latest)
    need --data-dir "$data_dir"
    need --port "$port"
    restore_cluster latest "" "$data_dir" "$port"
    log "stop it with: $0 stop --data-dir $data_dir [--remove]"
    ;;
  stop)
    need --data-dir "$data_dir"
    [[ -f $data_dir/PG_VERSION ]] || die "$data_dir is not a PostgreSQL data directory"
    # Only what a restore made: never the configured cluster itself.
    live=$(as_postgres sed -n "s/^pg1-path=//p" "$config" | head -n 1)
    if [[ -n $live && $(realpath -m "$live") == "$data_dir" ]]; then
      die "$data_dir is the pg1-path of $config (the live cluster): not stopping it"
    fi
    [[ -f $data_dir/$marker ]] ||
      die "$data_dir has no $marker: it was not made by pitr.sh restore/latest, not touching it"
    if pg_running "$data_dir"; then
      as_postgres "$pg_bin/pg_ctl" -D "$data_dir" -m fast -w -t 60 stop >/dev/null 2>&1 || true
      stop_cluster "$data_dir" immediate || die "could not stop the cluster in $data_dir"
      log "stopped the cluster in $data_dir"
    fi
    if [[ $remove == yes ]]; then
      remove_cluster "$data_dir" || die "not removing $data_dir"
      log "removed $data_dir"
    fi
    ;;
  restore-database)
    need --database "$database"
    need --to "$to"
    validate_target "$to"
    [[ $database =~ ^[a-z_][a-z0-9_]*$ ]] || die "--database '$database' is not a database name"
    tool=${BACKUP_TOOL:-$repo/deploy/backup/backup}
    [[ -x $tool ]] || die "the backup tool $tool is missing (set BACKUP_TOOL)"
    [[ -n $port ]] || port=$(free_port)
    # The side cluster sits in --side-dir, by default beside the primary's
    # data directory (where postgres may write); it holds the whole cluster.
    if [[ -z $side_parent ]]; then
      primary_data=$(as_postgres sed -n "s/^pg1-path=//p" "$config" | head -n 1)
      [[ -n $primary_data ]] || die "no pg1-path in $config: pass --side-dir"
      side_parent=$(dirname "$primary_data")
    fi
    [[ -d $side_parent ]] || die "--side-dir $side_parent does not exist"
    size=$(newest_backup_size)
    [[ $size =~ ^[0-9]+$ ]] || die "no base backup in the repository (pitr.sh info): nothing to restore from"
    free=$(($(df -B1 --output=avail "$side_parent" | tail -n 1)))
    # The cluster, the WAL replayed into it and one dump of the database.
    needed=$((size + size / 4 + 256 * 1024 * 1024))
    ((free >= needed)) ||
      die "$side_parent has $((free / 1048576)) MiB free; the side cluster needs about" \
        "$((needed / 1048576)) MiB (backup $((size / 1048576)) MiB): pass --side-dir on a larger disk"
    side="$side_parent/pitr-side-$(date -u +%Y%m%dT%H%M%SZ)-$$"
    mkdir -p "$side"
    chown postgres:postgres "$side"
    chmod 700 "$side"
    # shellcheck disable=SC2064
    trap "remove_cluster '$side/data' && rm -rf '$side'" EXIT
    restore_cluster time "$to" "$side/data" "$port"
    dump="$side/$database.dump"
    log "pg_dump -Fc $database from the side cluster"
    as_postgres "$pg_bin/pg_dump" -h "$(socket_dir_of "$side/data")" -p "$port" -Fc \
      -d "$database" -f "$dump" || die "pg_dump of $database from the side cluster failed"
    stop_cluster "$side/data" fast || die "could not stop the side cluster"
    log "handing $dump ($(stat -c %s "$dump") bytes) to: backup restore --database $database --from-dump"
    "$tool" restore --database "$database" --from-dump "$dump" ||
      die "backup restore --database $database --from-dump $dump failed: the live $database is unchanged unless it said it switched"
    log "$database restored to $to"
    ;;
  ""|-h|--help|help) usage ;;
  *) echo "unknown command: $command" >&2; usage ;;
esac
