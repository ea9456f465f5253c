# The write-path measurements of issue 16, sourced by tests/bench/run.sh
# (functions only; they use run.sh's log, start_quest, stop_quest,
# use_binary, psql_primary, psql_on and its $bin, $results, $STATE_DIR,
# $duration, $warmup, $quest_port, $quest_url):
#
#   write_prepare               pg_stat_statements loaded in the bench primary
#   write_pgbench USERS         pgbench -b tpcb-like (scale 10, its own
#                               pgbench_db) at 1 and 20 clients: the reference
#   write_scenarios USERS BINARY...  SubmitAttempt spread over the sampled
#                               puzzles and all on one puzzle
#                               (submit_attempt_hot) at 20 and 100 in flight,
#                               StartAttempt at 20, for each BINARY ("after",
#                               "before") in turn, run by run
#
# Each write run is a closed loop whose window quest_bench brackets with
# tests/bench/write_window.sh, with nothing in flight at either edge: the
# quest server's db_write_round_trips_total and db_write_transactions_total
# (its metrics endpoint, METRICS_LISTEN_ADDRESS=127.0.0.1:$write_metrics_port)
# and pg_stat_statements' statement count of quest_svc, read there, cover
# exactly the window's calls. tests/bench/write_sampler.sh samples the
# write pool's backends in pg_stat_activity every 10 ms meanwhile (lock and
# WAL waits); tests/bench/write_window.py turns both into a "write" record.
# A baseline binary from before issue 16 has no write counters: its
# statements per call stand in (it sent one statement per round trip, BEGIN
# and COMMIT included).
#
# Every run starts its own open attempts (quest_bench, before its warm-up),
# and the attempts left unsubmitted are deleted after it, so each binary's
# runs meet the same seeded data plus the submits of the runs before them;
# running the binaries in turn, run by run, gives both the same history.

write_in_flight=(20 100)
write_pgbench_clients=(1 20)
write_pgbench_scale=10
# Below Linux's ephemeral range (32768-60999), unlike the bench's other
# ports: the metrics endpoint (civetweb) binds without SO_REUSEADDR, and
# pgbench's and psql's closed client connections leave their local ports in
# TIME_WAIT (a 57xxx port was "in use" right after pgbench in one run).
write_metrics_port=${BENCH_QUEST_METRICS_PORT:-27064}
write_dir=$STATE_DIR/write

# pg_stat_statements must be in shared_preload_libraries, which only a
# restart applies. ALTER SYSTEM writes the bench primary's own
# postgresql.auto.conf (under $STATE_DIR, which deploy/infra.sh keeps across
# runs), so the setting stays with the bench's cluster: the test and local
# clusters never load it. The extension lives in the postgres database,
# which reset-databases leaves alone; its view covers every database.
write_prepare() {
  local loaded
  loaded=$(database=postgres psql_primary -At -c "SHOW shared_preload_libraries")
  if [[ ,${loaded// /}, != *,pg_stat_statements,* ]]; then
    log "write: loading pg_stat_statements into the bench primary (a restart)"
    database=postgres psql_primary -c \
      "ALTER SYSTEM SET shared_preload_libraries = '${loaded:+$loaded,}pg_stat_statements'"
    deploy/infra.sh restart-primary --state "$STATE_DIR" >/dev/null
  fi
  database=postgres psql_primary -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
}

# Every window starts from a checkpoint, pgbench's and each scenario's
# alike. A page's first change after a checkpoint logs its full 8 kB image,
# so the first window after one pays for every page it touches and the next
# ones for few: without this, the seed's checkpoint fell on the first quest
# scenario (1.20 full-page images per submit at 100k users) while pgbench's
# 20-client run followed its 1-client run (0.41; the later quest runs
# 0.01-0.12; tests/bench/wal_snapshot.sh's figures of one run).
write_checkpoint() {
  psql_primary -c "CHECKPOINT" >/dev/null
  wait_replica
  psql_on "$PG_REPLICA_PORT" -c "CHECKPOINT" >/dev/null  # a restartpoint
}

write_pgbench() {  # write_pgbench USERS
  local users=$1 clients logs cpu_start cpu_end wal_start wal_end
  log "write: pgbench -i -s $write_pgbench_scale (pgbench_db)"
  database=postgres psql_primary -c "DROP DATABASE IF EXISTS pgbench_db WITH (FORCE)" \
    -c "CREATE DATABASE pgbench_db" >/dev/null
  PGPASSWORD="$PG_ADMIN_PASSWORD" /usr/lib/postgresql/15/bin/pgbench -i -q \
    -s "$write_pgbench_scale" -h "$PG_HOST" -p "$PG_PRIMARY_PORT" -U "$PG_ADMIN_USER" \
    pgbench_db >/dev/null 2>&1
  database=pgbench_db psql_primary -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
  for clients in "${write_pgbench_clients[@]}"; do
    logs="$STATE_DIR/pgbench-tpcb-$clients"
    rm -rf "$logs" && mkdir -p "$logs"
    write_checkpoint
    log "write: pgbench tpcb-like, $clients clients, ${duration}s"
    (cd "$logs" && PGPASSWORD="$PG_ADMIN_PASSWORD" /usr/lib/postgresql/15/bin/pgbench -n \
      -b tpcb-like -c "$clients" -j $((clients < 2 ? clients : 2)) \
      -T "$((duration + warmup))" -l -h "$PG_HOST" -p "$PG_PRIMARY_PORT" -U "$PG_ADMIN_USER" \
      pgbench_db >/dev/null) &
    # CPU snapshots while pgbench runs (its own ticks vanish when it exits):
    # after the warm-up and a second before its end; the transactions that
    # ended between them are the divisor.
    sleep "$warmup"
    cpu_start="$(date +%s.%N) $(tests/bench/cpu_snapshot.sh pgbench)"
    wal_start=$(PGPASSWORD="$PG_ADMIN_PASSWORD" tests/bench/wal_snapshot.sh)
    sleep $((duration - 1))
    cpu_end="$(date +%s.%N) $(tests/bench/cpu_snapshot.sh pgbench)"
    wal_end=$(PGPASSWORD="$PG_ADMIN_PASSWORD" tests/bench/wal_snapshot.sh)
    wait $!
    python3 tests/bench/pgbench_log.py --logs="$logs" --warmup="$warmup" --duration="$duration" \
      --cpu-start="$cpu_start" --cpu-end="$cpu_end" --wal-start="$wal_start" --wal-end="$wal_end" \
      --labels="kind=write_pgbench,users=$users,scenario=tpcb_like,label=tpcb_like,connections=$clients,pgbench_scale=$write_pgbench_scale" \
      >>"$results"
  done
}

# write_load USERS BINARY SCENARIO IN_FLIGHT: one window on the running
# server, appended to $results as a "write" record.
write_load() {
  local users=$1 binary=$2 scenario=$3 in_flight=$4
  local run="$write_dir/$binary-$scenario-$in_flight"
  local metrics_url="http://127.0.0.1:$write_metrics_port/metrics"
  rm -f "$run".*
  write_checkpoint
  log "write ($binary): $scenario at $in_flight in flight"
  BENCH_SERVICE_PID=$quest_pid PGPASSWORD="$PG_ADMIN_PASSWORD" "$bin/tests/bench/quest_bench" run \
    --target="127.0.0.1:$quest_port" --database-url="$quest_url" --scenarios="$scenario" \
    --concurrency="$in_flight" --duration="$duration" --warmup="$warmup" \
    --measure-start-command="tests/bench/write_window.sh $run.marks start $metrics_url" \
    --measure-end-command="tests/bench/write_window.sh $run.marks end $metrics_url" \
    --labels="group=write,users=$users,binary=$binary" --out="$run.load.jsonl"
  python3 tests/bench/write_window.py --load="$run.load.jsonl" --marks="$run.marks" \
    --samples="$write_dir/samples" >>"$results"
}

write_scenarios() {  # write_scenarios USERS BINARY...
  local users=$1 binary scenario in_flight since
  shift
  mkdir -p "$write_dir"
  : >"$write_dir/samples"
  PGPASSWORD="$PG_ADMIN_PASSWORD" tests/bench/write_sampler.sh "$write_dir/samples" &
  write_sampler_pid=$!
  since=$(psql_primary -At -c "SELECT clock_timestamp()")
  local runs=()
  for scenario in submit_attempt submit_attempt_hot; do
    for in_flight in "${write_in_flight[@]}"; do runs+=("$scenario:$in_flight"); done
  done
  runs+=("start_attempt:20")
  local run
  for run in "${runs[@]}"; do
    for binary in "$@"; do
      use_binary "$binary"
      start_quest METRICS_LISTEN_ADDRESS="127.0.0.1:$write_metrics_port"
      write_load "$users" "$binary" "${run%:*}" "${run#*:}"
      stop_quest
      # The run's unsubmitted attempts (its own, and start_attempt's).
      psql_primary -c "DELETE FROM puzzle_attempts WHERE submitted_at IS NULL
          AND started_at >= '$since'" >/dev/null || log "write: leftover attempts not deleted"
    done
  done
  kill "$write_sampler_pid" 2>/dev/null || true
  wait "$write_sampler_pid" 2>/dev/null || true
  write_sampler_pid=
  use_binary after
}
