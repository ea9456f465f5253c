# The social benchmark, sourced by tests/bench/run.sh (--service=social|all):
# functions only. It uses run.sh's log, wait_replica, psql_on and its
# $bin, $results, $duration, $warmup, $pool_size, $page_token_key, $largest,
# $social_port and $social_url.
#
# At each scale: reset social_db, migrate it (the server does on start),
# seed it with //social:seed, then the six RPCs of issue 9 at 20 calls in
# flight (group main) and at a steady 500 calls/s (group latency). At the
# largest scale, the plans of the statements each RPC runs (social_explain).

social_reads=list_friends,list_mutual_friends,suggest_friends,list_messages,list_channels
social_scenarios=$social_reads,send_message

social_pid=
start_social() {  # start_social [VAR=value ...]: overrides of the default env
  stop_social
  local since
  since=$(date +%s%N)
  env -i PATH="$PATH" \
    DB_HOST="$PG_HOST" DB_PORT="$PG_PRIMARY_PORT" \
    DB_READ_HOST="$PG_HOST" DB_READ_PORT="$PG_REPLICA_PORT" \
    DB_NAME=social_db DB_USER=social_svc DB_PASSWORD="$SOCIAL_DB_PASSWORD" \
    DB_MAX_CONNECTIONS=$pool_size DB_MIN_CONNECTIONS=5 \
    GRPC_LISTEN_ADDRESS="127.0.0.1:$social_port" GRPC_TLS_MODE=plaintext \
    PAGE_TOKEN_KEY="$page_token_key" NATS_URL="$NATS_URL" "$@" \
    "$bin/social/social_server" >>"$STATE_DIR/logs/social.log" 2>&1 </dev/null &
  social_pid=$!
  "$bin/tests/bench/social_bench" wait-serving --target="127.0.0.1:$social_port" \
    --since-ns="$since" >/dev/null || { tail -n 20 "$STATE_DIR/logs/social.log" >&2; exit 1; }
}
stop_social() {
  [[ -n "${social_pid:-}" ]] || return 0
  kill -TERM "$social_pid" 2>/dev/null || true
  wait "$social_pid" 2>/dev/null || true
  social_pid=
}

psql_social() { database=social_db psql_on "$PG_PRIMARY_PORT" "$@"; }

social_load() {  # social_load LABELS SCENARIOS [social_bench flags...]
  local labels=$1 scenarios=$2
  shift 2
  "$bin/tests/bench/social_bench" run --target="127.0.0.1:$social_port" \
    --database-url="$social_url" --scenarios="$scenarios" \
    --labels="kind=load,service=social,$labels" \
    --duration="$duration" --warmup="$warmup" --out="$results" "$@"
}

# VACUUM marks pages all-visible only for rows older than every open
# snapshot, and an autovacuum ANALYZE that started during the seed holds one:
# one run then left friendships with no all-visible page, so every
# "index-only" scan fetched each heap row (2,500 per SuggestFriends). Repeat
# until the big tables are all visible.
vacuum_until_all_visible() {
  local attempt fraction
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    psql_social -c "VACUUM ANALYZE" >/dev/null
    fraction=$(psql_social -At -c "SELECT coalesce(min(relallvisible::float8 / relpages), 1)
        FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace
        AND relpages > 100")
    if python3 -c "import sys; sys.exit(0 if float('$fraction') >= 0.99 else 1)"; then
      return
    fi
    log "social: after VACUUM only $fraction of a table's pages are all-visible; again in 5 s"
    sleep 5
  done
  log "social: WARNING: tables not all-visible after 10 VACUUMs: index-only scans will fetch rows"
}

seed_social() {  # seed_social USERS
  local users=$1 started seconds
  log "social: seeding $users users (50 friends each, $((users / 10)) guilds, $((users * 100)) messages)"
  deploy/infra.sh reset-databases --state "$STATE_DIR" >/dev/null
  start_social  # migrates the empty database
  stop_social
  started=$(date +%s%N)
  "$bin/social/seed" --users="$users" --database-url="$social_url" >&2
  seconds=$(( ($(date +%s%N) - started) / 1000000 ))
  vacuum_until_all_visible
  wait_replica
  psql_social -At -c "SELECT json_build_object('kind', 'seed', 'service', 'social',
      'users', $users, 'seconds', round($seconds / 1000.0, 1),
      'friendships', (SELECT count(*) FROM friendships),
      'guilds', (SELECT count(*) FROM guilds),
      'guild_members', (SELECT count(*) FROM guild_members WHERE state = 'member'),
      'channels', (SELECT count(*) FROM chat_channels),
      'messages', (SELECT count(*) FROM chat_messages),
      'read_marks', (SELECT count(*) FROM channel_read_marks),
      'database_mb', round(pg_database_size('social_db') / 1048576.0))" >>"$results"
}

# The plans of the statements each RPC runs, from auto_explain (ANALYZE,
# BUFFERS) on both nodes while the service answers a few calls of it: the
# SQL the stores send, with the plans PostgreSQL chose for it (prepared
# statements included). Statements the idle service runs (health checks)
# are left out. The benchmark's own sampling queries run as the admin role,
# which auto_explain is not set for.
social_explain() {  # social_explain USERS
  local users=$1 scenario idle="$STATE_DIR/explain-idle.jsonl"
  local logs=("primary=$PG_PRIMARY_DATA/../primary.log" "replica=$PG_REPLICA_DATA/../replica.log")
  local admin_url="postgres://$PG_ADMIN_USER:$PG_ADMIN_PASSWORD@$PG_HOST:$PG_PRIMARY_PORT/social_db"
  log "social: query plans of each RPC (auto_explain)"
  psql_social <<'SQL'
ALTER ROLE social_svc IN DATABASE social_db SET session_preload_libraries = 'auto_explain';
ALTER ROLE social_svc IN DATABASE social_db SET auto_explain.log_min_duration = 0;
ALTER ROLE social_svc IN DATABASE social_db SET auto_explain.log_analyze = on;
ALTER ROLE social_svc IN DATABASE social_db SET auto_explain.log_buffers = on;
SQL
  wait_replica
  start_social FRIEND_EXPIRY_SWEEP_MS=86400000
  local marks
  marks=$(python3 tests/bench/explain_log.py mark "${logs[@]}")
  sleep 2
  # shellcheck disable=SC2086
  python3 tests/bench/explain_log.py texts $marks >"$idle"
  for scenario in ${social_scenarios//,/ }; do
    marks=$(python3 tests/bench/explain_log.py mark "${logs[@]}")
    "$bin/tests/bench/social_bench" run --target="127.0.0.1:$social_port" \
      --database-url="$admin_url" --scenarios="$scenario" --mode=open --rate=20 \
      --duration=2 --warmup=0 --out=/dev/null
    sleep 0.5
    # shellcheck disable=SC2086
    python3 tests/bench/explain_log.py plans --scenario="$scenario" --users="$users" \
      --exclude="$idle" $marks >>"$results" || log "social: no plans logged for $scenario"
  done
  stop_social
  psql_social -c "ALTER ROLE social_svc IN DATABASE social_db RESET ALL"
}

social_scale() {  # social_scale USERS
  local users=$1
  seed_social "$users"
  start_social
  log "social at $users users: $social_scenarios, 20 in flight"
  social_load "group=main,users=$users" "$social_scenarios" --concurrency=20
  log "social at $users users: the same at a steady 500 calls/s"
  social_load "group=latency,users=$users" "$social_scenarios" --mode=open --rate=500
  stop_social
  if [[ $users == "$largest" ]]; then social_explain "$users"; fi
}
