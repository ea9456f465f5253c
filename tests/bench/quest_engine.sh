# The serving-engine measurements of issue 12, sourced by tests/bench/run.sh
# (functions only; they use run.sh's load, start_quest, use_binary, psql_*,
# pgbench_get_puzzle and its $bin, $results, $STATE_DIR, $pool_size):
#
#   engine_versus_pgbench USERS BINARY   GetPuzzle at 20, 100 and 1,000 in
#                                        flight (closed loop), beside pgbench
#   engine_cpu USERS BINARY              CPU per call of the load generator,
#                                        the service and each PostgreSQL node
#                                        over a fixed number of calls
#   engine_instructions USERS BINARY     the service's user-space instructions
#                                        per GetPuzzle, under callgrind
#   engine_scenarios USERS BINARY        every quest scenario and the pool and
#                                        replica variants, for before/after
#
# BINARY is "after" (this checkout's quest server) or "before" (the baseline
# commit's, BENCH_BASELINE_QUEST_BINARY or run.sh --baseline=COMMIT).
# BENCH_CPU_CALLS (20000) GetPuzzle calls and a quarter as many of each
# other read are measured for CPU; BENCH_CALLGRIND_CALLS (2000) GetPuzzle
# calls under callgrind, after a warm-up with its instrumentation off, so
# start-up and warm-up are not counted.

engine_in_flight=(20 100 1000)
engine_cpu_calls=${BENCH_CPU_CALLS:-20000}
engine_callgrind_calls=${BENCH_CALLGRIND_CALLS:-2000}
engine_reads=(list_puzzles next_puzzle leaderboard_top leaderboard_around)

# How a client reaches PostgreSQL at host $1: "TCP to 127.0.0.1" or "Unix
# socket /dir" (libpq takes a host starting with / as a socket directory).
transport_of() { [[ $1 == /* ]] && echo "Unix socket $1" || echo "TCP to $1"; }

# How the running quest server's connections reach the read node, as the
# replica sees them (client_addr is NULL for a Unix socket): whatever the
# server does with DB_READ_HOST, this is what it used. Client backends only:
# a parallel query's workers carry the user's name and no client address.
service_read_transport() {
  local addresses
  addresses=$(psql_replica -At -c "SELECT string_agg(DISTINCT coalesce(host(client_addr),
      'unix'), ' ') FROM pg_stat_activity WHERE usename = 'quest_svc'
      AND backend_type = 'client backend'")
  case "$addresses" in
    unix) echo "Unix socket" ;;
    "") echo "unknown (no connection seen)" ;;
    *) echo "TCP to $addresses" ;;
  esac
}

postmaster_pid() { head -n 1 "$1/postmaster.pid"; }  # postmaster_pid DATA_DIR

engine_versus_pgbench() {  # engine_versus_pgbench USERS BINARY
  local users=$1 binary=$2 in_flight transport
  use_binary "$binary"
  start_quest
  for in_flight in "${engine_in_flight[@]}"; do
    log "engine ($binary): GetPuzzle at $in_flight in flight"
    # The transport is read while the previous run's connections are open.
    transport=$(service_read_transport)
    load "group=engine,users=$users,binary=$binary,transport=$transport" get_puzzle \
      --concurrency="$in_flight"
  done
  stop_quest
}

engine_cpu() {  # engine_cpu USERS BINARY
  local users=$1 binary=$2 scenario calls
  use_binary "$binary"
  start_quest
  # The replica serves the reads; the primary too for a read that must see
  # the user's own writes (GetNextPuzzle), and it streams WAL to the replica.
  local cpu_flags=(--cpu-service-pid="$quest_pid"
    --cpu-postgres-pid="$(postmaster_pid "$PG_REPLICA_DATA")"
    --cpu-primary-pid="$(postmaster_pid "$PG_PRIMARY_DATA")")
  log "engine ($binary): CPU per call over $engine_cpu_calls GetPuzzle calls"
  load "group=cpu,users=$users,binary=$binary" get_puzzle --calls="$engine_cpu_calls" \
    "${cpu_flags[@]}"
  calls=$(( engine_cpu_calls / 4 > 0 ? engine_cpu_calls / 4 : 1 ))
  for scenario in "${engine_reads[@]}"; do
    load "group=cpu,users=$users,binary=$binary" "$scenario" --calls="$calls" "${cpu_flags[@]}"
  done
  stop_quest
}

engine_instructions() {  # engine_instructions USERS BINARY
  local users=$1 binary=$2 dir="$STATE_DIR/callgrind"
  mkdir -p "$dir"
  rm -f "$dir/$binary".*
  use_binary "$binary"
  # Instrumentation stays off through start-up and the warm-up;
  # callgrind_control turns it on for the measured calls and dumps them
  # (callgrind.out.<pid>.1, read by callgrind_profile.py).
  quest_wrapper=(valgrind --tool=callgrind --instr-atstart=no
    "--callgrind-out-file=$dir/$binary.%p")
  quest_start_timeout=600
  start_quest
  local pid=$quest_pid
  log "engine ($binary): instructions per GetPuzzle over $engine_callgrind_calls calls (callgrind)"
  "$bin/tests/bench/quest_bench" run --target="127.0.0.1:$quest_port" \
    --database-url="$quest_url" --scenarios=get_puzzle --concurrency=20 \
    --calls="$engine_callgrind_calls" --warmup=5 --deadline=60 \
    --measure-start-command="callgrind_control -i on $pid >/dev/null" \
    --measure-end-command="callgrind_control -d $pid >/dev/null &&
      callgrind_control -i off $pid >/dev/null" \
    --labels="kind=load" --out="$dir/$binary.load.jsonl"
  stop_quest
  quest_wrapper=()
  quest_start_timeout=60
  local failed
  failed=$(python3 -c 'import json, sys; r = json.loads(sys.argv[1]); print(r["calls"] - r["ok"])' \
    "$(tail -n 1 "$dir/$binary.load.jsonl")")
  python3 tests/bench/callgrind_profile.py --dump="$dir/$binary.$pid.1" \
    --calls="$engine_callgrind_calls" --program="$(basename "$quest_binary")" \
    --labels="service=quest,users=$users,binary=$binary,scenario=get_puzzle,concurrency=20,failed=$failed" \
    >>"$results"
}

# Every quest scenario, then GetPuzzle with a pool of 1 and 20 and reading
# from the replica and the primary: the tables of the main run, for one binary.
engine_scenarios() {  # engine_scenarios USERS BINARY
  local users=$1 binary=$2 labels="users=$1,binary=$2"
  use_binary "$binary"
  start_quest
  log "engine ($binary): every scenario, pool and read node"
  load "group=main,$labels" get_puzzle,list_puzzles,next_puzzle,submit_attempt,leaderboard_top,leaderboard_around,mixed
  load "group=read_node,$labels,variant=read=replica" get_puzzle
  start_quest DB_READ_PORT="$PG_PRIMARY_PORT"
  load "group=read_node,$labels,variant=read=primary" get_puzzle
  start_quest DB_MAX_CONNECTIONS=1 DB_MIN_CONNECTIONS=1
  load "group=pool,$labels,variant=pool=1" get_puzzle
  start_quest
  load "group=pool,$labels,variant=pool=20" get_puzzle
  stop_quest
}
