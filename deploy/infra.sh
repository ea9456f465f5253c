#!/usr/bin/env bash
# Real servers on loopback for local runs and tests: a PostgreSQL 15 primary,
# a streaming read replica of it, and NATS with JetStream.
#
#   deploy/infra.sh up|stop|status|env|restart-primary|reset-databases [--state DIR]
#
# State (data, logs, generated passwords) lives in DIR, default
# <repo>/.state/local (git-ignored); a second `up` reuses it. Ports come from
# PG_PRIMARY_PORT (55432), PG_REPLICA_PORT (55433), NATS_PORT (54222) and
# NATS_MONITOR_PORT (58222). `up` writes DIR/infra.env with what clients need.
# PG_SHARED_BUFFERS (default 128MB, PostgreSQL's own default) sizes both
# servers' buffer cache at every start (the benchmarks: BENCH_PG_SHARED_BUFFERS).
#
# Database-per-Service is enforced here: quest_db, notification_db and
# social_db are each owned by their service's role (quest_svc, ...), CONNECT
# is revoked from PUBLIC, so a role can connect to its own database only.
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
nats_port=${NATS_PORT:-54222}
nats_monitor_port=${NATS_MONITOR_PORT:-58222}

log() { echo "[infra] $*"; }
die() { echo "[infra] ERROR: $*" >&2; exit 1; }

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
  echo "$root"
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
  # shellcheck disable=SC1090
  source "$file"
}

port_in_use() { ss -Hltn "sport = :$1" | grep -q .; }

pg_running() { as_postgres "$pg_bin/pg_ctl" -D "$1" status >/dev/null 2>&1; }

start_pg() {  # start_pg DATA_DIR PORT NAME
  local data=$1 port=$2 name=$3
  if pg_running "$data"; then log "$name already running on $port"; return; fi
  port_in_use "$port" && die "port $port ($name) is taken by another process"
  log "starting $name on 127.0.0.1:$port"
  as_postgres "$pg_bin/pg_ctl" -D "$data" -l "$data/../$name.log" -w -t 60 \
    -o "-p $port -c shared_buffers=$shared_buffers" start >/dev/null ||
    { tail -n 20 "$data/../$name.log" >&2; die "$name did not start"; }
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

create_roles_and_databases() {
  psql_admin <<SQL
ALTER ROLE postgres PASSWORD '$PG_ADMIN_PASSWORD';
SELECT 'CREATE ROLE replicator' WHERE NOT EXISTS
  (SELECT FROM pg_roles WHERE rolname = 'replicator') \gexec
ALTER ROLE replicator WITH LOGIN REPLICATION PASSWORD '$PG_REPLICATOR_PASSWORD';
SQL
  local svc password_var
  for svc in "${services[@]}"; do
    password_var="${svc^^}_DB_PASSWORD"
    psql_admin <<SQL
SELECT 'CREATE ROLE ${svc}_svc' WHERE NOT EXISTS
  (SELECT FROM pg_roles WHERE rolname = '${svc}_svc') \gexec
ALTER ROLE ${svc}_svc WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${!password_var}';
SELECT 'CREATE DATABASE ${svc}_db OWNER ${svc}_svc' WHERE NOT EXISTS
  (SELECT FROM pg_database WHERE datname = '${svc}_db') \gexec
REVOKE CONNECT, TEMPORARY ON DATABASE ${svc}_db FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE ${svc}_db TO ${svc}_svc;
SQL
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
export NATS_URL=nats://127.0.0.1:$nats_port
export PG_PRIMARY_DATA='$(pg_root)/primary'
export PG_REPLICA_DATA='$(pg_root)/replica'
ENV
  )
}

up() {
  command -v "$pg_bin/pg_ctl" >/dev/null || die "PostgreSQL 15 missing: run deploy/install-deps.sh"
  load_secrets
  local root
  root=$(pg_root)
  init_primary "$root/primary"
  start_pg "$root/primary" "$primary_port" primary
  create_roles_and_databases
  init_replica "$root/replica"
  configure_replica "$root/replica"
  start_pg "$root/replica" "$replica_port" replica
  wait_replica
  start_nats
  start_restart_agent
  write_env
  log "up: primary 127.0.0.1:$primary_port, replica 127.0.0.1:$replica_port, nats 127.0.0.1:$nats_port"
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

restart_primary_now() {
  local data
  data="$(pg_root)/primary"
  as_postgres "$pg_bin/pg_ctl" -D "$data" -m fast -w -t 60 restart \
    -l "$data/../primary.log" -o "-p $primary_port -c shared_buffers=$shared_buffers" >/dev/null
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
  stop) stop ;;
  status) status ;;
  env) cat "$state/infra.env" ;;
  restart-primary) restart_primary ;;
  restart-agent) restart_agent ;;
  reset-databases) reset_databases ;;
  *) echo "usage: deploy/infra.sh up|stop|status|env|restart-primary|reset-databases [--state DIR]" >&2; exit 2 ;;
esac
