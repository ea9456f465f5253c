#!/usr/bin/env bash
# Real servers on loopback for local runs and tests: a PostgreSQL 15 primary,
# a streaming read replica of it, and NATS with JetStream.
#
#   deploy/infra.sh up|stop|status|env|restart-primary|reset-databases [--state DIR]
#   deploy/infra.sh up-postgres|stop-primary|start-primary|stop-replica|start-replica [--state DIR]
#
# `up-postgres` is `up` without NATS and the restart agent: a primary and
# replica that one test owns (tests/support/private_cluster.h), stopped and
# started node by node with the stop-/start- commands (STOP_MODE=fast, the
# default, or immediate: a crash).
#
# State (data, logs, generated passwords) lives in DIR, default
# <repo>/.state/local (git-ignored); a second `up` reuses it. Ports come from
# PG_PRIMARY_PORT (55432), PG_REPLICA_PORT (55433), NATS_PORT (54222) and
# NATS_MONITOR_PORT (58222). `up` writes DIR/infra.env with what clients need.
# PG_SHARED_BUFFERS (default 128MB, PostgreSQL's own default) sizes both
# servers' buffer cache at every start (the benchmarks: BENCH_PG_SHARED_BUFFERS).
# PG_WAL_COMPRESSION (default lz4; off, pglz, lz4 or zstd) compresses the
# full-page images in the WAL, as production should: a page's first change
# after a checkpoint logs the whole 8 kB page, and the writes that touch many
# pages (random uuid keys in big indexes) write several per transaction.
#
# Database-per-Service is enforced here: quest_db, notification_db and
# social_db are each owned by their service's owner role (quest_owner, ...,
# which runs the migrations) and used by its runtime role (quest_svc, ...,
# rows only: deploy/service_roles.sql); CONNECT is revoked from PUBLIC, so a
# role can connect to its own database only. Passwords: <SVC>_DB_PASSWORD
# (runtime) and <SVC>_OWNER_PASSWORD in DIR/secrets.env and DIR/infra.env.
#
# WAL archiving: the primary runs with archive_mode=on and pushes every WAL
# segment with pgBackRest into an encrypted repository (aes-256-cbc, the pass
# PGBACKREST_CIPHER_PASS generated once into DIR/secrets.env) beside the
# clusters, config in DIR/pg/pgbackrest/pgbackrest.conf, stanza
# quest-ecosystem. deploy/backup/pitr.sh takes base backups and restores to
# a point in time from it. PG_ARCHIVE_TIMEOUT (default 30 s) bounds the
# data a lost primary can take with it; PG_WAL_ARCHIVING=off turns it off
# (each start applies either, restarting a running primary when it changes).
# `up` runs `pgbackrest check` and recreates the local repository when it no
# longer matches the primary (new cipher pass, re-initialised cluster).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
pg_bin=/usr/lib/postgresql/15/bin
services=(quest notification social)

command=${1:-}
shift || true
state=${STATE_DIR:-$repo/.state/local}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --state) state=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$state"
state=$(cd "$state" && pwd)

primary_port=${PG_PRIMARY_PORT:-55432}
replica_port=${PG_REPLICA_PORT:-55433}
shared_buffers=${PG_SHARED_BUFFERS:-128MB}
wal_compression=${PG_WAL_COMPRESSION:-lz4}
nats_port=${NATS_PORT:-54222}
nats_monitor_port=${NATS_MONITOR_PORT:-58222}
archive_timeout=${PG_ARCHIVE_TIMEOUT:-30}
wal_archiving=${PG_WAL_ARCHIVING:-on}
stanza=quest-ecosystem

log() { echo "[infra] $*"; }
die() { echo "[infra] ERROR: $*" >&2; exit 1; }

[[ $archive_timeout =~ ^[1-9][0-9]*$ ]] || die "PG_ARCHIVE_TIMEOUT must be whole seconds, not '$archive_timeout'"
[[ $wal_archiving == on || $wal_archiving == off ]] || die "PG_WAL_ARCHIVING must be on or off"
[[ $wal_compression =~ ^(off|pglz|lz4|zstd)$ ]] ||
  die "PG_WAL_COMPRESSION must be off, pglz, lz4 or zstd"

as_postgres() { runuser -u postgres -- "$@"; }

# PostgreSQL refuses to run as root, so its files belong to `postgres`, who
# must be able to reach them. When the repo sits below a directory postgres
# cannot enter (e.g. /root), the clusters live under /var/lib and the state
# directory links to them.
pg_root() {
  local root="$state/pg"
  if [[ ! -e "$root" ]]; then
    mkdir -p "$root"
    if ! as_postgres test -x "$root"; then
      rmdir "$root"
      local elsewhere
      elsewhere="/var/lib/quest-ecosystem/$(echo -n "$state" | sha1sum | cut -c1-12)"
      mkdir -p "$elsewhere"
      ln -s "$elsewhere" "$root"
    fi
    chown postgres:postgres "$root/"
    chmod 700 "$root/"
  fi
  # The link's target: postgres may not traverse the path to the link.
  readlink -f "$root"
}

load_secrets() {
  local file="$state/secrets.env"
  if [[ ! -s "$file" ]]; then
    (umask 077
     {
       echo "PG_ADMIN_PASSWORD=$(openssl rand -hex 16)"
       echo "PG_REPLICATOR_PASSWORD=$(openssl rand -hex 16)"
       for svc in "${services[@]}"; do
         echo "${svc^^}_DB_PASSWORD=$(openssl rand -hex 16)"
       done
     } >"$file")
  fi
  # The owner roles came later: a state directory from before gets theirs.
  local svc
  for svc in "${services[@]}"; do
    grep -q "^${svc^^}_OWNER_PASSWORD=" "$file" ||
      (umask 077; echo "${svc^^}_OWNER_PASSWORD=$(openssl rand -hex 16)" >>"$file")
  done
  # So did WAL archiving: the pgBackRest repository's cipher pass, made once
  # (a new one would make the repository unreadable).
  grep -q "^PGBACKREST_CIPHER_PASS=" "$file" ||
    (umask 077; echo "PGBACKREST_CIPHER_PASS=$(openssl rand -hex 32)" >>"$file")
  # shellcheck disable=SC1090
  source "$file"
}

port_in_use() { ss -Hltn "sport = :$1" | grep -q .; }

# The settings every start passes to both servers (command-line -c, so a
# state directory from before a setting existed gets it too).
server_settings() {
  echo "-c shared_buffers=$shared_buffers -c wal_compression=$wal_compression"
}

pg_running() { as_postgres "$pg_bin/pg_ctl" -D "$1" status >/dev/null 2>&1; }

start_pg() {  # start_pg DATA_DIR PORT NAME
  local data=$1 port=$2 name=$3
  if pg_running "$data"; then log "$name already running on $port"; return; fi
  port_in_use "$port" && die "port $port ($name) is taken by another process"
  log "starting $name on 127.0.0.1:$port"
  # Our ports lie in Linux's ephemeral range (32768-60999), so a client's
  # outgoing connection can hold one for a moment ("Address already in
  # use" at bind, seen in CI): try again a few times before giving up.
  local attempt
  for attempt in 1 2 3 4 5; do
    if as_postgres "$pg_bin/pg_ctl" -D "$data" -l "$data/../$name.log" -w -t 60 \
         -o "-p $port $(server_settings)" start >/dev/null; then
      return
    fi
    tail -n 10 "$data/../$name.log" | grep -q "Address already in use" || break
    log "$name: port $port busy for a moment, retrying ($attempt)"
    sleep 2
  done
  tail -n 20 "$data/../$name.log" >&2
  die "$name did not start"
}

psql_admin() {  # psql_admin [psql args...]: as postgres over the socket
  as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$(pg_root)/run" \
    -p "$primary_port" -d postgres "$@"
}

init_primary() {
  local data=$1
  [[ -f "$data/PG_VERSION" ]] && return
  log "initialising the primary cluster"
  local root pwfile
  root=$(pg_root)
  pwfile="$root/.pwfile"
  (umask 077; echo "$PG_ADMIN_PASSWORD" >"$pwfile")
  chown postgres:postgres "$pwfile"
  as_postgres "$pg_bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" \
    --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  as_postgres mkdir -p "$root/run"
  cat >>"$data/postgresql.conf" <<CONF
# --- deploy/infra.sh ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$root/run'
max_connections = 300
wal_level = replica
max_wal_senders = 10
wal_keep_size = '512MB'
hot_standby = on
CONF
  cat >"$data/pg_hba.conf" <<HBA
local   all          postgres                 peer
host    all          all         127.0.0.1/32 scram-sha-256
host    replication  replicator  127.0.0.1/32 scram-sha-256
HBA
}

# --- WAL archiving (pgBackRest) ---
# The repository, its config, logs and locks live under pg_root, which
# postgres can reach: the archiver runs `pgbackrest archive-push` as postgres.
# Locks are per state directory (pgBackRest's default /tmp/pgbackrest is
# machine-wide, and every state directory has the same stanza name, so the
# clusters of different tests would wait on each other's locks).
pgbackrest_dir() { echo "$(pg_root)/pgbackrest"; }
pgbackrest_conf() { echo "$(pgbackrest_dir)/pgbackrest.conf"; }

# Rewritten at every start: the primary's port may change between runs of a
# state directory, and a state directory from before archiving gets its
# repository this way. deploy/backup/pgbackrest.conf.example is the
# production-shaped config (S3, asynchronous archiving, retention).
write_pgbackrest_conf() {
  local root dir
  root=$(pg_root)
  dir=$(pgbackrest_dir)
  as_postgres mkdir -p "$dir/repo" "$dir/log" "$dir/lock" "$dir/spool"
  as_postgres chmod 700 "$dir"
  (umask 077
   cat >"$dir/pgbackrest.conf.new" <<CONF
# Written by deploy/infra.sh at every start: edits do not last.
[global]
repo1-path=$dir/repo
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=$PGBACKREST_CIPHER_PASS
repo1-retention-full=1
compress-type=lz4
log-path=$dir/log
lock-path=$dir/lock
spool-path=$dir/spool
log-level-console=warn
log-level-file=info
start-fast=y

[$stanza]
pg1-path=$root/primary
pg1-port=$primary_port
pg1-socket-path=$root/run
pg1-user=postgres
CONF
  )
  chown postgres:postgres "$dir/pgbackrest.conf.new"
  mv "$dir/pgbackrest.conf.new" "$dir/pgbackrest.conf"
}

# The archive settings sit in a file of their own that postgresql.conf
# includes, rewritten before every start, so a changed setting (or a state
# directory from before archiving) applies without editing postgresql.conf.
# The replica's copy (pg_basebackup clones it) does nothing: with
# archive_mode=on a standby does not archive; only the primary pushes, once
# (`always` would push every segment twice into the same repository from
# the same machine, for no more safety). A promoted replica would push with
# this config's pg1-path (the old primary's directory) and fail: the runbook
# (docs/operations/point-in-time-recovery.md) has pg1-path pointed at the
# promoted node first.
configure_archiving() {
  local data=$1
  grep -qx "include_if_exists = 'archiving.conf'" "$data/postgresql.conf" ||
    echo "include_if_exists = 'archiving.conf'" >>"$data/postgresql.conf"
  if [[ $wal_archiving == on ]]; then
    cat >"$data/archiving.conf" <<CONF
# Written by deploy/infra.sh before every start (PG_WAL_ARCHIVING, PG_ARCHIVE_TIMEOUT).
archive_mode = on
archive_command = 'pgbackrest "--config=$(pgbackrest_conf)" --stanza=$stanza archive-push "%p"'
archive_timeout = '${archive_timeout}s'
CONF
  else
    echo "archive_mode = off" >"$data/archiving.conf"
  fi
  chown postgres:postgres "$data/archiving.conf"
}

# A primary that was already running (a second `up`) keeps the archive_mode
# it started with: restart it once when that differs; otherwise a reload
# applies archive_command and archive_timeout.
apply_archiving() {
  local running
  running=$(psql_admin -tA -c "SHOW archive_mode")
  if [[ $running == "$wal_archiving" ]]; then
    psql_admin -tA -c "SELECT pg_reload_conf()" >/dev/null
    return
  fi
  log "primary: archive_mode $running -> $wal_archiving, restarting it"
  pg_ctl_restart_primary
}

# Without base backups pgBackRest never expires WAL, and the suite's state
# directory would keep every run's WAL (each scratch database's CREATE
# DATABASE alone writes ~8 MB). So `up` takes a full backup when the newest
# is a day old (a few seconds on the local cluster); with
# repo1-retention-full=1 that expires the WAL before it. Private clusters
# (up-postgres) are thrown away whole and need none.
refresh_base_backup() {
  [[ $wal_archiving == on ]] || return 0
  local newest
  newest=$(find "$(pgbackrest_dir)/repo/backup/$stanza" -maxdepth 1 -name '*F' -printf '%f\n' |
    sort | tail -n 1)
  [[ -n $newest && ${newest%F} > $(date -u -d '1 day ago' +%Y%m%d-%H%M%S) ]] && return
  log "taking the daily local full base backup (deploy/backup/pitr.sh base)"
  # A failure is the archive's to report (pg_stat_archiver, `status`), not a
  # reason to refuse the servers.
  "$repo/deploy/backup/pitr.sh" base --type full --state "$state" >/dev/null ||
    log "WARNING: the local base backup failed: WAL is not being expired"
}

# Before anything fills a WAL segment: an archive-push that fails for want of
# a stanza makes the archiver back off for a minute.
stanza_existed=no
create_stanza() {
  [[ $wal_archiving == on ]] || return 0
  [[ -f "$(pgbackrest_dir)/repo/backup/$stanza/backup.info" ]] && { stanza_existed=yes; return; }
  log "creating the pgBackRest stanza $stanza"
  as_postgres pgbackrest --config="$(pgbackrest_conf)" --stanza="$stanza" stanza-create >/dev/null
}

# `up` proves that archiving works (pgbackrest check: a WAL switch pushed).
# A regenerated secrets.env (a new cipher pass) or a re-initdb'd primary
# (another system-id) next to the old repository makes every push fail
# while pg_wal grows. This repository is local and throwaway: when it does
# not match the primary it is recreated; any other failure stops `up`.
verify_archiving() {
  [[ $wal_archiving == on ]] || return 0
  local output
  output=$(as_postgres pgbackrest --config="$(pgbackrest_conf)" --stanza="$stanza" check 2>&1) &&
    return 0
  # "unable to load info file": one it cannot decrypt (the cause follows on
  # indented lines: CryptoError, FormatError). The config's console level is
  # warn, so no line echoes the options (and "cipher" means an error).
  if ! echo "$output" |
      grep -qE "do not match|CryptoError|cipher|system-id|FormatError|unable to load info file"; then
    echo "$output" | LC_ALL=C tr -cd '[:print:]\n' | grep -E "ERROR|WARN" >&2 || true
    die "WAL archiving fails (pgbackrest check, config $(pgbackrest_conf)): see above"
  fi
  log "WARNING: the local pgBackRest repository does not match this primary (new cipher" \
    "pass or re-initialised cluster): recreating it (its old backups are gone)"
  local repo_dir
  repo_dir="$(pgbackrest_dir)/repo"
  find "$repo_dir" -mindepth 1 -delete
  as_postgres pgbackrest --config="$(pgbackrest_conf)" --stanza="$stanza" stanza-create >/dev/null
  output=$(as_postgres pgbackrest --config="$(pgbackrest_conf)" --stanza="$stanza" check 2>&1) ||
    { echo "$output" >&2; die "WAL archiving still fails after recreating $repo_dir"; }
  log "recreated the local pgBackRest repository $repo_dir: archiving works"
}

create_roles_and_databases() {
  psql_admin <<SQL
ALTER ROLE postgres PASSWORD '$PG_ADMIN_PASSWORD';
SELECT 'CREATE ROLE replicator' WHERE NOT EXISTS
  (SELECT FROM pg_roles WHERE rolname = 'replicator') \gexec
ALTER ROLE replicator WITH LOGIN REPLICATION PASSWORD '$PG_REPLICATOR_PASSWORD';
SQL
  # Per service an owner role (owns the database and its objects, runs the
  # migrations) and the runtime role the service connects as (DML only):
  # deploy/service_roles.sql.
  local svc password_var owner_password_var
  for svc in "${services[@]}"; do
    password_var="${svc^^}_DB_PASSWORD"
    owner_password_var="${svc^^}_OWNER_PASSWORD"
    psql_admin <<SQL
SELECT 'CREATE ROLE ${svc}_svc' WHERE NOT EXISTS
  (SELECT FROM pg_roles WHERE rolname = '${svc}_svc') \gexec
ALTER ROLE ${svc}_svc WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${!password_var}';
SELECT 'CREATE ROLE ${svc}_owner' WHERE NOT EXISTS
  (SELECT FROM pg_roles WHERE rolname = '${svc}_owner') \gexec
ALTER ROLE ${svc}_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${!owner_password_var}';
SELECT 'CREATE DATABASE ${svc}_db OWNER ${svc}_owner' WHERE NOT EXISTS
  (SELECT FROM pg_database WHERE datname = '${svc}_db') \gexec
SQL
    psql_admin -d "${svc}_db" -v database="${svc}_db" -v owner="${svc}_owner" \
      -v runtime="${svc}_svc" <"$repo/deploy/service_roles.sql"
  done
}

init_replica() {
  local data=$1
  [[ -f "$data/PG_VERSION" ]] && return
  log "cloning the replica with pg_basebackup"
  as_postgres env PGPASSWORD="$PG_REPLICATOR_PASSWORD" "$pg_bin/pg_basebackup" \
    -h 127.0.0.1 -p "$primary_port" -U replicator -D "$data" -R -X stream -c fast
}

# Points the replica at the primary's current port (ports may change between
# runs of the same state directory).
configure_replica() {
  local auto="$1/postgresql.auto.conf"
  sed -i '/^primary_conninfo/d; /^hot_standby_feedback/d' "$auto"
  echo "primary_conninfo = 'host=127.0.0.1 port=$primary_port user=replicator password=$PG_REPLICATOR_PASSWORD application_name=replica'" >>"$auto"
  # Reads served by the replica are not cancelled when the primary vacuums
  # rows they still need ("conflict with recovery"); the price is that the
  # primary keeps those rows a little longer.
  echo "hot_standby_feedback = on" >>"$auto"
}

# Waits until the replica is in recovery and streaming from the primary, so
# that tests never race a replica that is still connecting.
wait_replica() {
  local i
  for i in $(seq 300); do
    if [[ $(psql_admin -tA -c "SELECT count(*) FROM pg_stat_replication \
            WHERE application_name = 'replica' AND state = 'streaming'" 2>/dev/null) == 1 ]]; then
      return
    fi
    sleep 0.1
  done
  tail -n 20 "$(pg_root)/replica.log" >&2
  die "the replica on $replica_port is not streaming from the primary"
}

nats_pid_file() { echo "$state/nats/nats.pid"; }

nats_running() {
  local pid
  pid=$(cat "$(nats_pid_file)" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null
}

start_nats() {
  if nats_running; then log "nats already running on $nats_port"; return; fi
  port_in_use "$nats_port" && die "port $nats_port (nats) is taken by another process"
  mkdir -p "$state/nats/jetstream" "$state/logs"
  log "starting nats-server (JetStream) on 127.0.0.1:$nats_port"
  setsid nats-server -a 127.0.0.1 -p "$nats_port" -m "$nats_monitor_port" \
    -js -sd "$state/nats/jetstream" -P "$(nats_pid_file)" \
    >>"$state/logs/nats.log" 2>&1 </dev/null &
  local i
  for i in $(seq 100); do
    curl -fsS "http://127.0.0.1:$nats_monitor_port/healthz" >/dev/null 2>&1 && return
    sleep 0.1
  done
  tail -n 20 "$state/logs/nats.log" >&2
  die "nats did not become healthy"
}

write_env() {
  (umask 077
   cat >"$state/infra.env" <<ENV
export STATE_DIR='$state'
export PG_HOST=127.0.0.1
export PG_PRIMARY_PORT=$primary_port
export PG_REPLICA_PORT=$replica_port
export PG_ADMIN_USER=postgres
export PG_ADMIN_PASSWORD='$PG_ADMIN_PASSWORD'
export QUEST_DB_PASSWORD='$QUEST_DB_PASSWORD'
export NOTIFICATION_DB_PASSWORD='$NOTIFICATION_DB_PASSWORD'
export SOCIAL_DB_PASSWORD='$SOCIAL_DB_PASSWORD'
export QUEST_OWNER_PASSWORD='$QUEST_OWNER_PASSWORD'
export NOTIFICATION_OWNER_PASSWORD='$NOTIFICATION_OWNER_PASSWORD'
export SOCIAL_OWNER_PASSWORD='$SOCIAL_OWNER_PASSWORD'
export NATS_URL=nats://127.0.0.1:$nats_port
export PG_PRIMARY_DATA='$(pg_root)/primary'
export PG_REPLICA_DATA='$(pg_root)/replica'
export PGBACKREST_CONFIG='$(pgbackrest_conf)'
export PGBACKREST_STANZA=$stanza
ENV
  )
}

# The primary and its streaming replica, created on first use.
start_postgres() {
  command -v "$pg_bin/pg_ctl" >/dev/null || die "PostgreSQL 15 missing: run deploy/install-deps.sh"
  load_secrets
  local root
  root=$(pg_root)
  init_primary "$root/primary"
  write_pgbackrest_conf
  configure_archiving "$root/primary"
  start_pg "$root/primary" "$primary_port" primary
  apply_archiving
  create_stanza
  create_roles_and_databases
  init_replica "$root/replica"
  configure_replica "$root/replica"
  start_pg "$root/replica" "$replica_port" replica
  wait_replica
}

up() {
  start_postgres
  verify_archiving
  refresh_base_backup
  start_nats
  start_restart_agent
  write_env
  log "up: primary 127.0.0.1:$primary_port, replica 127.0.0.1:$replica_port, nats 127.0.0.1:$nats_port"
}

# PostgreSQL alone, for a test's private cluster: no NATS, no restart agent.
up_postgres() {
  start_postgres
  # A new private cluster has a new repository; a reused one is checked.
  [[ $stanza_existed == no ]] || verify_archiving
  write_env
  log "up-postgres: primary 127.0.0.1:$primary_port, replica 127.0.0.1:$replica_port"
}

stop_node() {  # stop_node primary|replica
  local data
  data="$(pg_root)/$1"
  pg_running "$data" || { log "$1 already stopped"; return; }
  as_postgres "$pg_bin/pg_ctl" -D "$data" -m "${STOP_MODE:-fast}" -w -t 60 stop >/dev/null
  log "$1 stopped"
}

start_node() {  # start_node primary|replica
  load_secrets
  if [[ $1 == primary ]]; then
    write_pgbackrest_conf
    configure_archiving "$(pg_root)/primary"
    start_pg "$(pg_root)/primary" "$primary_port" primary
  else
    configure_replica "$(pg_root)/replica"
    start_pg "$(pg_root)/replica" "$replica_port" replica
  fi
}

stop() {
  stop_restart_agent
  if nats_running; then
    local pid
    pid=$(cat "$(nats_pid_file)")
    kill -TERM "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    log "nats stopped"
  fi
  local root name
  root=$(pg_root)
  for name in replica primary; do
    if [[ -f "$root/$name/PG_VERSION" ]] && pg_running "$root/$name"; then
      as_postgres "$pg_bin/pg_ctl" -D "$root/$name" -m fast -w stop >/dev/null
      log "$name stopped"
    fi
  done
}

status() {
  local root
  root=$(pg_root)
  for name in primary replica; do
    if [[ -f "$root/$name/PG_VERSION" ]] && pg_running "$root/$name"; then
      echo "$name: running"; else echo "$name: stopped"; fi
  done
  if pg_running "$root/primary"; then
    psql_admin -c "SELECT application_name, state, replay_lag FROM pg_stat_replication"
    psql_admin -c "SELECT archived_count, last_archived_wal, last_archived_time, failed_count, \
                          last_failed_wal FROM pg_stat_archiver"
  fi
  if nats_running; then echo "nats: running ($(curl -fsS "http://127.0.0.1:$nats_monitor_port/healthz" 2>/dev/null))"
  else echo "nats: stopped"; fi
}

# Drops and recreates the three service databases (tests start from empty
# databases; the services' migrations build them up again).
reset_databases() {
  load_secrets
  local svc
  for svc in "${services[@]}"; do
    psql_admin -c "DROP DATABASE IF EXISTS ${svc}_db WITH (FORCE)"
  done
  create_roles_and_databases
  wait_replica
  log "service databases reset"
}

pg_ctl_restart_primary() {
  local data
  data="$(pg_root)/primary"
  as_postgres "$pg_bin/pg_ctl" -D "$data" -m fast -w -t 60 restart \
    -l "$data/../primary.log" -o "-p $primary_port $(server_settings)" >/dev/null
}

restart_primary_now() {
  pg_ctl_restart_primary
  as_postgres "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$primary_port" -t 30
  load_secrets
  wait_replica
}

# The primary is restarted by an agent that `up` starts beside the servers,
# not by the caller itself: a test that restarts the primary runs under
# Bazel, which kills every process the test left behind when it ends — a
# postmaster started from inside the test included (seen: the primary gone,
# with nothing in its log, right after connection_pool_restart_test).
agent_fifo() { echo "$state/restart-agent.fifo"; }
agent_pid_file() { echo "$state/restart-agent.pid"; }
agent_running() { [[ -f "$(agent_pid_file)" ]] && kill -0 "$(cat "$(agent_pid_file)")" 2>/dev/null; }

start_restart_agent() {
  agent_running && return
  rm -f "$(agent_fifo)"
  mkfifo "$(agent_fifo)"
  STATE_DIR="$state" PG_PRIMARY_PORT="$primary_port" PG_REPLICA_PORT="$replica_port" \
    NATS_PORT="$nats_port" NATS_MONITOR_PORT="$nats_monitor_port" \
    setsid nohup "$repo/deploy/infra.sh" restart-agent --state "$state" \
    >>"$state/restart-agent.log" 2>&1 </dev/null &
  echo $! >"$(agent_pid_file)"
}

stop_restart_agent() {
  if agent_running; then kill -TERM "$(cat "$(agent_pid_file)")" 2>/dev/null || true; fi
  rm -f "$(agent_pid_file)" "$(agent_fifo)"
}

# The agent's loop: each request on the FIFO names a reply FIFO, which gets
# the restart's exit code.
restart_agent() {
  local reply code
  while true; do
    read -r reply <"$(agent_fifo)" || continue
    [[ -p "$reply" ]] || continue
    if restart_primary_now; then code=0; else code=1; fi
    echo "$code" >"$reply"
  done
}

restart_primary() {
  if ! agent_running; then restart_primary_now; return; fi
  local reply code
  reply="$state/restart-reply.$$.$RANDOM"
  mkfifo "$reply"
  echo "$reply" >"$(agent_fifo)"
  read -r code <"$reply"
  rm -f "$reply"
  return "$code"
}

case "$command" in
  up) up ;;
  up-postgres) up_postgres ;;
  stop-primary) stop_node primary ;;
  stop-replica) stop_node replica ;;
  start-primary) start_node primary ;;
  start-replica) start_node replica ;;
  stop) stop ;;
  status) status ;;
  env) cat "$state/infra.env" ;;
  restart-primary) restart_primary ;;
  restart-agent) restart_agent ;;
  reset-databases) reset_databases ;;
  *) echo "usage: deploy/infra.sh up|up-postgres|stop|status|env|restart-primary|reset-databases|stop-primary|start-primary|stop-replica|start-replica [--state DIR]" >&2; exit 2 ;;
esac
