#!/usr/bin/env bash
# Runs the whole ecosystem locally, on loopback, on a fresh Debian 12 machine:
#   deploy/local.sh up      install deps, start PostgreSQL primary + replica and
#                           NATS (deploy/infra.sh), build and start quest,
#                           notification and social, print how to call them
#   deploy/local.sh stop    stop the services and the servers (state is kept)
#   deploy/local.sh status  what runs
# State lives in .state/local (git-ignored); a second `up` reuses it.
# Ports: PG_PRIMARY_PORT 55432, PG_REPLICA_PORT 55433, NATS_PORT 54222,
# QUEST_PORT 50051, NOTIFICATION_PORT 50052, SOCIAL_PORT 50053.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

export STATE_DIR=${STATE_DIR:-$repo/.state/local}
services=(quest notification social)
declare -A default_port=([quest]=50051 [notification]=50052 [social]=50053)

port_of() {  # port_of SERVICE: QUEST_PORT etc., or the default
  local var="${1^^}_PORT"
  echo "${!var:-${default_port[$1]}}"
}

pid_file() { echo "$STATE_DIR/run/$1.pid"; }

running() {  # running SERVICE
  local pid
  pid=$(cat "$(pid_file "$1")" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null
}

generated_secret() {  # generated_secret NAME: made once per state dir, like the DB passwords; prints its path
  local file="$STATE_DIR/$1"
  [[ -s "$file" ]] || (umask 077; openssl rand -hex 32 >"$file")
  echo "$file"
}

secret_file() {  # secret_file NAME VALUE: VALUE in a file only root reads; prints its path
  local file="$STATE_DIR/secrets/$1"
  mkdir -p "$STATE_DIR/secrets"
  (umask 077; echo "$2" >"$file")
  echo "$file"
}

# Serves as the runtime role <svc>_svc (rows only) and migrates as the owner
# <svc>_owner (deploy/infra.sh); secrets go as *_FILE, so they are in neither
# the environment nor the command line of the servers.
start_service() {  # start_service SERVICE
  local svc=$1 port password_var owner_password_var
  port=$(port_of "$svc")
  password_var="${svc^^}_DB_PASSWORD"
  owner_password_var="${svc^^}_OWNER_PASSWORD"
  if running "$svc"; then echo "$svc already running"; return; fi
  mkdir -p "$STATE_DIR/run" "$STATE_DIR/logs"
  # Reads go to the replica (DB_READ_*) unless it is down, its replay lag exceeds
  # DB_READ_MAX_LAG_MS (default 10000), or the call sent x-min-lsn (an earlier write's x-db-lsn
  # trailer) that the replica has not replayed within DB_READ_LSN_WAIT_MS (default 50): then the
  # primary. Defaults here; docs/operations/read-routing.md.
  env -i PATH="$PATH" \
    DB_HOST="$PG_HOST" DB_PORT="$PG_PRIMARY_PORT" \
    DB_READ_HOST="$PG_HOST" DB_READ_PORT="$PG_REPLICA_PORT" \
    DB_NAME="${svc}_db" DB_USER="${svc}_svc" \
    DB_PASSWORD_FILE="$(secret_file "${svc}_db_password" "${!password_var}")" \
    DB_MIGRATION_USER="${svc}_owner" \
    DB_MIGRATION_PASSWORD_FILE="$(secret_file "${svc}_owner_password" "${!owner_password_var}")" \
    GRPC_LISTEN_ADDRESS="127.0.0.1:$port" GRPC_TLS_MODE=plaintext GRPC_REFLECTION=on \
    PAGE_TOKEN_KEY_FILE="$(generated_secret page_token.key)" NATS_URL="$NATS_URL" \
    PRIVACY_ADMIN_TOKEN_FILE="$(generated_secret privacy_admin.token)" \
    setsid "$repo/bazel-bin/$svc/${svc}_server" \
      >>"$STATE_DIR/logs/$svc.log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$svc")"
}

wait_serving() {  # wait_serving SERVICE: health SERVING within 30 s
  local svc=$1 log="$STATE_DIR/logs/$1.log"
  for _ in $(seq 300); do
    grep -q "health: SERVING" "$log" 2>/dev/null && return 0
    running "$svc" || break
    sleep 0.1
  done
  echo "ERROR: $svc did not become SERVING; last log lines:" >&2
  tail -n 20 "$log" >&2
  return 1
}

stop_service() {  # stop_service SERVICE: SIGTERM, the service drains
  local svc=$1 pid
  running "$svc" || return 0
  pid=$(cat "$(pid_file "$svc")")
  kill -TERM "$pid"
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$(pid_file "$svc")"
}

up() {
  deploy/install-deps.sh
  deploy/infra.sh up --state "$STATE_DIR"
  # shellcheck disable=SC1091
  source "$STATE_DIR/infra.env"
  bazel build //quest:quest_server //notification:notification_server //social:social_server
  for svc in "${services[@]}"; do start_service "$svc"; done
  for svc in "${services[@]}"; do wait_serving "$svc"; done
  cat <<MSG

All running (logs in $STATE_DIR/logs):
  quest         127.0.0.1:$(port_of quest)   (quest_db)
  notification  127.0.0.1:$(port_of notification)   (notification_db)
  social        127.0.0.1:$(port_of social)   (social_db)
  PostgreSQL    primary 127.0.0.1:$PG_PRIMARY_PORT, replica 127.0.0.1:$PG_REPLICA_PORT
  NATS          $NATS_URL

Call them with grpcurl (plaintext, reflection is on):
  grpcurl -plaintext 127.0.0.1:$(port_of quest) list
  grpcurl -plaintext 127.0.0.1:$(port_of quest) grpc.health.v1.Health/Check
  grpcurl -plaintext 127.0.0.1:$(port_of quest) ops.v1.Diagnostics/GetServiceInfo
Admin calls (ops.v1.Privacy) take the token in $STATE_DIR/privacy_admin.token:
  grpcurl -plaintext -H "authorization: Bearer \$(cat $STATE_DIR/privacy_admin.token)" \\
    -d '{"user_id": "<uuid>"}' 127.0.0.1:$(port_of social) ops.v1.Privacy/GetErasureStatus
or from C++ with the stubs of //proto/quest/v1:quest. Stop: deploy/local.sh stop
MSG
}

stop() {
  for svc in "${services[@]}"; do stop_service "$svc"; done
  deploy/infra.sh stop --state "$STATE_DIR"
}

status() {
  for svc in "${services[@]}"; do
    if running "$svc"; then echo "$svc: running on 127.0.0.1:$(port_of "$svc")"
    else echo "$svc: stopped"; fi
  done
  deploy/infra.sh status --state "$STATE_DIR"
}

case "${1:-}" in
  up) up ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: deploy/local.sh up|stop|status" >&2; exit 2 ;;
esac
