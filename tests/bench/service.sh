# What every service's benchmark (social.sh, notification.sh) does alike,
# sourced by tests/bench/run.sh: functions only. A service is named by its
# directory ("social"); from the name come its server
# ($bin/<name>/<name>_server), its load generator
# ($bin/tests/bench/<name>_bench), its database and role (<name>_db,
# <name>_svc, password $<NAME>_DB_PASSWORD from infra.env) and its port
# ($<name>_port). Uses run.sh's log, psql_on, wait_replica and its $bin,
# $results, $duration, $warmup, $pool_size, $page_token_key.

declare -A service_pids=()

service_url() {  # service_url SERVICE [ROLE PASSWORD]: on the primary
  local password_var="${1^^}_DB_PASSWORD"
  echo "postgres://${2:-${1}_svc}:${3:-${!password_var}}@$PG_HOST:$PG_PRIMARY_PORT/${1}_db"
}

start_service() {  # start_service SERVICE [VAR=value ...]: overrides of the default env
  local service=$1 port_var="${1}_port"
  shift
  start_instance "$service" "$service" "${!port_var}" "$@"
}
# start_instance SERVICE NAME PORT [VAR=value ...]: one more server of SERVICE,
# known as NAME (stop_service NAME), on PORT, e.g. a second delivery worker.
start_instance() {
  local service=$1 name=$2 port=$3
  shift 3
  stop_service "$name"
  local since password_var="${service^^}_DB_PASSWORD" owner_password_var="${service^^}_OWNER_PASSWORD"
  since=$(date +%s%N)
  env -i PATH="$PATH" \
    DB_HOST="$PG_HOST" DB_PORT="$PG_PRIMARY_PORT" \
    DB_READ_HOST="$PG_HOST" DB_READ_PORT="$PG_REPLICA_PORT" \
    DB_NAME="${service}_db" DB_USER="${service}_svc" DB_PASSWORD="${!password_var}" \
    DB_MIGRATION_USER="${service}_owner" DB_MIGRATION_PASSWORD="${!owner_password_var}" \
    DB_MAX_CONNECTIONS=$pool_size DB_MIN_CONNECTIONS=5 \
    GRPC_LISTEN_ADDRESS="127.0.0.1:$port" GRPC_TLS_MODE=plaintext \
    PAGE_TOKEN_KEY="$page_token_key" NATS_URL="$NATS_URL" "$@" \
    "$bin/$service/${service}_server" >>"$STATE_DIR/logs/$name.log" 2>&1 </dev/null &
  service_pids[$name]=$!
  "$bin/tests/bench/${service}_bench" wait-serving --target="127.0.0.1:$port" \
    --since-ns="$since" >/dev/null || { tail -n 20 "$STATE_DIR/logs/$name.log" >&2; exit 1; }
}
stop_service() {  # stop_service NAME (a SERVICE, or an instance's NAME)
  local pid=${service_pids[$1]:-}
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  service_pids[$1]=
}
stop_services() {
  local service
  for service in "${!service_pids[@]}"; do stop_service "$service"; done
}

fresh_database() {  # fresh_database SERVICE: every database reset, SERVICE's migrated
  deploy/infra.sh reset-databases --state "$STATE_DIR" >/dev/null
  start_service "$1"  # the server migrates the empty database on start
  stop_service "$1"
}

psql_service() { local service=$1; shift; database="${service}_db" psql_on "$PG_PRIMARY_PORT" "$@"; }

service_load() {  # service_load SERVICE LABELS SCENARIOS [<service>_bench flags...]
  local service=$1 labels=$2 scenarios=$3 port_var="${1}_port"
  shift 3
  "$bin/tests/bench/${service}_bench" run --target="127.0.0.1:${!port_var}" \
    --database-url="$(service_url "$service")" --scenarios="$scenarios" \
    --labels="kind=load,service=$service,$labels" \
    --duration="$duration" --warmup="$warmup" --out="$results" "$@"
}

# VACUUM marks pages all-visible only for rows older than every open
# snapshot, and an autovacuum ANALYZE that started during the seed holds one:
# one run then left friendships with no all-visible page, so every
# "index-only" scan fetched each heap row (2,500 per SuggestFriends). Repeat
# until the big tables are all visible.
vacuum_until_all_visible() {  # vacuum_until_all_visible SERVICE
  local service=$1 attempt fraction
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    psql_service "$service" -c "VACUUM ANALYZE" >/dev/null
    fraction=$(psql_service "$service" -At -c "SELECT coalesce(min(relallvisible::float8 / relpages), 1)
        FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace
        AND relpages > 100")
    if python3 -c "import sys; sys.exit(0 if float('$fraction') >= 0.99 else 1)"; then
      return
    fi
    log "$service: after VACUUM only $fraction of a table's pages are all-visible; again in 5 s"
    sleep 5
  done
  log "$service: WARNING: tables not all-visible after 10 VACUUMs: index-only scans will fetch rows"
}

# After a seed: vacuum (above), let the replica replay it all, then flush
# both nodes. The seed and its VACUUM dirty gigabytes and leave WAL-driven
# checkpoints (and the replica's restartpoints) running for minutes: one
# run's open-loop tails of 100-200 ms fell while they wrote. A deployment's
# steady state has no such backlog, so the measurements start without it.
settle_after_seed() {  # settle_after_seed SERVICE
  vacuum_until_all_visible "$1"
  wait_replica
  psql_on "$PG_PRIMARY_PORT" -c "CHECKPOINT" >/dev/null
  wait_replica
  psql_on "$PG_REPLICA_PORT" -c "CHECKPOINT" >/dev/null  # a restartpoint on a standby
}

# The plans of the statements each RPC runs, from auto_explain (ANALYZE,
# BUFFERS) on both nodes while the service answers a few calls of it: the
# SQL the stores send, with the plans PostgreSQL chose for it (prepared
# statements included). Statements the idle service runs (health checks,
# background jobs) are left out. The benchmark's own sampling queries run as
# the admin role, which auto_explain is not set for.
service_explain() {  # service_explain SERVICE USERS SCENARIOS [explain_log.py flags] [-- VAR=value ...]
  local service=$1 users=$2 scenarios=$3 scenario idle="$STATE_DIR/explain-idle-$1.jsonl"
  shift 3
  local fields=()
  while [[ $# -gt 0 && $1 != -- ]]; do fields+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  local role="${service}_svc" db="${service}_db" port_var="${service}_port"
  local logs=("primary=$PG_PRIMARY_DATA/../primary.log" "replica=$PG_REPLICA_DATA/../replica.log")
  local admin_url
  admin_url=$(service_url "$service" "$PG_ADMIN_USER" "$PG_ADMIN_PASSWORD")
  log "$service: query plans of each RPC (auto_explain)"
  psql_service "$service" <<SQL
ALTER ROLE $role IN DATABASE $db SET session_preload_libraries = 'auto_explain';
ALTER ROLE $role IN DATABASE $db SET auto_explain.log_min_duration = 0;
ALTER ROLE $role IN DATABASE $db SET auto_explain.log_analyze = on;
ALTER ROLE $role IN DATABASE $db SET auto_explain.log_buffers = on;
SQL
  wait_replica
  start_service "$service" "$@"
  local marks
  marks=$(python3 tests/bench/explain_log.py mark "${logs[@]}")
  sleep 2
  # shellcheck disable=SC2086
  python3 tests/bench/explain_log.py texts $marks >"$idle"
  for scenario in ${scenarios//,/ }; do
    marks=$(python3 tests/bench/explain_log.py mark "${logs[@]}")
    "$bin/tests/bench/${service}_bench" run --target="127.0.0.1:${!port_var}" \
      --database-url="$admin_url" --scenarios="$scenario" --mode=open --rate=20 \
      --duration=2 --warmup=0 --out=/dev/null
    sleep 0.5
    # shellcheck disable=SC2086
    python3 tests/bench/explain_log.py plans --service="$service" --scenario="$scenario" \
      --users="$users" "${fields[@]}" --exclude="$idle" $marks >>"$results" \
      || log "$service: no plans logged for $scenario"
  done
  stop_service "$service"
  psql_service "$service" -c "ALTER ROLE $role IN DATABASE $db RESET ALL"
}
