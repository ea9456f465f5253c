#!/usr/bin/env bash
# The whole benchmark in one command, on a fresh Debian 12 machine:
#
#   ./tests/bench/run.sh [--service=quest|social|notification|events|all]
#                        [--scales=10000,100000,1000000]
#                        [--duration=10] [--only=scale,main,engine,write|cpu]
#                        [--baseline=COMMIT]
#
# installs what is missing, starts its own PostgreSQL primary + replica and
# NATS (.state/bench, ports 57432/57433/57222/57822; BENCH_STATE_DIR and
# BENCH_{PG_PRIMARY,PG_REPLICA,NATS,NATS_MONITOR,QUEST,SOCIAL,NOTIFICATION}_PORT
# move them), builds with -c opt, and measures the chosen service (quest
# when not given; all = quest, then social, then notification, into one
# report).
#
# quest: for each scale (users; puzzles = users/20, attempts = 10 x users)
# resets quest_db, migrates it, seeds it with COPY (//quest:seed) and
# measures the scale scenarios. At the largest scale it also measures every
# quest scenario, pgbench running the GetPuzzle SQL over as many connections
# as the service pool, the pool capped at 1 vs 20, replica vs primary reads,
# and the resource figures, and records EXPLAIN ANALYZE of the top queries.
# --only picks quest's parts: scale (the scale scenarios at every scale),
# main (the largest scale's tables above), engine (issue 12, at the largest
# scale: GetPuzzle at 20, 100 and 1,000 in flight beside pgbench, CPU per
# call of each process, the service's instructions per call under callgrind,
# and with a baseline every scenario and the pool and replica tables for both
# binaries; tests/bench/quest_engine.sh) or cpu (only the CPU and callgrind
# figures, for both binaries) or write (issue 16, at the largest scale:
# pgbench -b tpcb-like at 1 and 20 clients in its own pgbench_db, then
# SubmitAttempt spread over many puzzles and all on one puzzle at 20 and 100
# in flight and StartAttempt at 20, with round trips and statements per
# call, lock and WAL waits per call, and with a baseline each run for both
# binaries; tests/bench/write_path.sh, which loads pg_stat_statements into
# the bench primary). Default: scale,main,engine,write. With --only=engine,
# cpu or write only the largest scale is seeded.
# The baseline for engine's before/after tables is the quest server of
# another commit: BENCH_BASELINE_QUEST_BINARY names a built one, or
# --baseline=COMMIT builds it once in a git worktree beside the repository
# (tests/bench/baseline.sh). Issue 12's is 49b522b:
#   ./tests/bench/run.sh --service=quest --scales=100000 --duration=10 \
#       --only=engine --baseline=49b522b
#
# social: for each scale (users; 50 friends each, guilds = users/10,
# messages = 100 x users, as issue 9 puts it at 100k users) resets
# social_db, migrates it, seeds it with COPY (//social:seed) and measures
# ListFriends, ListMutualFriends, SuggestFriends, ListMessages, ListChannels
# and SendMessage at 20 calls in flight (closed loop) and at a steady 500
# calls/s (open loop). At the largest scale it records the plan of every
# statement those RPCs run, as PostgreSQL's auto_explain logs it with
# ANALYZE and BUFFERS while the service answers them (the SQL the stores
# really send, on the node they send it to).
#
# notification: each scale is a number of notification logs (users =
# logs / 20, at least 1,200, with 1-2 push tokens each); resets
# notification_db, seeds it (//notification:seed) and measures
# ListNotifications (ALL and UNREAD), GetUnreadCount and MarkRead at 20 in
# flight and at a steady 500 calls/s, then SendNotification to 1,000
# recipients at a few in flight; at the largest scale the plans of their
# statements, as for social (tests/bench/notification.sh).
#
# events: the event stream (tests/bench/events.sh; --scales is ignored):
# end-to-end latency at 100 and 1,000 events/s, relay throughput with 1 and
# 2 relays, and the drain of a 100k-event backlog after a NATS outage.
#
# .state/bench/logs has each server's log (one line per call, with its
# duration) and pressure.log (tests/bench/pressure_sampler.sh).
#
# Results go to .state/bench/results.jsonl (results-<service>.jsonl for
# --service=social|notification); tests/bench/report.py turns them into
# docs/benchmarks.md and docs/benchmarks-scale.svg
# (docs/benchmarks-<service>.md for --service=social|notification, so such a
# run never replaces the quest figures).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

scales=10000,100000,1000000
duration=10
warmup=2
service=quest
only=scale,main,engine,write
baseline_commit=
usage="usage: tests/bench/run.sh [--service=quest|social|notification|events|all] [--scales=N,N,...] [--duration=SECONDS] [--only=scale,main,engine,write|cpu] [--baseline=COMMIT]"
for argument in "$@"; do
  case "$argument" in
    --service=*) service=${argument#*=} ;;
    --scales=*) scales=${argument#*=} ;;
    --duration=*) duration=${argument#*=} ;;
    --only=*) only=${argument#*=} ;;
    --baseline=*) baseline_commit=${argument#*=} ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
for part in ${only//,/ }; do
  case "$part" in
    scale | main | engine | cpu | write) ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
runs() { [[ ,$only, == *,$1,* ]]; }  # runs PART: quest's part PART was asked for
case "$service" in
  quest | social | notification | events | all) ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
measures() { [[ $service == all || $service == "$1" ]]; }
IFS=, read -r -a scale_list <<<"$scales"
largest=${scale_list[-1]}

export STATE_DIR=${BENCH_STATE_DIR:-$repo/.state/bench}
export PG_PRIMARY_PORT=${BENCH_PG_PRIMARY_PORT:-57432}
export PG_REPLICA_PORT=${BENCH_PG_REPLICA_PORT:-57433}
export NATS_PORT=${BENCH_NATS_PORT:-57222}
export NATS_MONITOR_PORT=${BENCH_NATS_MONITOR_PORT:-57822}
# PostgreSQL's default, as in the earlier reports (BENCH_PG_SHARED_BUFFERS to
# change it; the report's machine table shows what was used). 2 GB was tried:
# it did not remove the ~200 ms whole-process stalls that set some open-loop
# p99s on this 2-core VM (in the server's call log every call in flight ends
# at the same instant, the database logs nothing).
export PG_SHARED_BUFFERS=${BENCH_PG_SHARED_BUFFERS:-128MB}
# No WAL archive: the archiver pushes asynchronously, so it does not change a
# commit's latency, but a 1M-user write run leaves tens of GB of archived WAL
# (65 GB once, filling the disk CI shares). BENCH_PG_WAL_ARCHIVING=on keeps it.
export PG_WAL_ARCHIVING=${BENCH_PG_WAL_ARCHIVING:-off}
# deploy/infra.sh's default (lz4), shown in the report's machine table.
export PG_WAL_COMPRESSION=${BENCH_PG_WAL_COMPRESSION:-lz4}
quest_port=${BENCH_QUEST_PORT:-57051}
# shellcheck disable=SC2034  # service.sh reads them as ${service}_port
social_port=${BENCH_SOCIAL_PORT:-57053}
# shellcheck disable=SC2034
notification_port=${BENCH_NOTIFICATION_PORT:-57052}
pool_size=20
results="$STATE_DIR/results.jsonl"
# BENCH_REPORT_DIR writes the report somewhere else than docs/ (a trial run
# that must not replace the published figures).
report_dir=${BENCH_REPORT_DIR:-docs}
report_out=$report_dir/benchmarks.md
if [[ $service == social || $service == notification || $service == events ]]; then
  results="$STATE_DIR/results-$service.jsonl"
  report_out=$report_dir/benchmarks-$service.md
fi
# Quest's write part alone (issue 16) has a report of its own, so that such a
# run never replaces the other quest figures of benchmarks.md.
if [[ $service == quest && $only == write ]]; then
  report_out=$report_dir/benchmarks-write.md
fi

log() { echo "[bench] $*" >&2; }

deploy/install-deps.sh
# The instructions-per-call figures (quest's engine and cpu parts) need
# callgrind.
if measures quest && (runs engine || runs cpu) && ! command -v valgrind >/dev/null; then
  log "installing valgrind"
  apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi
trap 'kill "${pressure_sampler_pid:-}" ${write_sampler_pid:-} 2>/dev/null; declare -F stop_quest >/dev/null && stop_quest; declare -F stop_services >/dev/null && stop_services; declare -F stop_fake_fcm >/dev/null && stop_fake_fcm; declare -F events_nats >/dev/null && events_nats stop; deploy/infra.sh stop --state "$STATE_DIR" || true' EXIT
deploy/infra.sh up --state "$STATE_DIR"
# shellcheck disable=SC1091
source "$STATE_DIR/infra.env"
mkdir -p "$STATE_DIR/logs"
: >"$results"
# What can stall a whole process (I/O and CPU pressure, steal, page-ins),
# every 100 ms, to match against the servers' call logs: an open-loop p99
# is set by a few such stalls (docs/benchmarks-social.md).
: >"$STATE_DIR/logs/pressure.log"
tests/bench/pressure_sampler.sh "$STATE_DIR/logs/pressure.log" &
pressure_sampler_pid=$!

log "building (-c opt)"
targets=()
# BENCH_QUEST_BINARY measures a quest server built elsewhere instead of
# this checkout's (e.g. while the checkout does not build).
measures quest && targets+=(//quest:seed //tests/bench:quest_bench //tests/bench:quest_statements)
measures quest && [[ -z ${BENCH_QUEST_BINARY:-} ]] && targets+=(//quest:quest_server)
measures social && targets+=(//social:social_server //social:seed //tests/bench:social_bench)
measures notification && targets+=(//notification:notification_server //notification:seed
  //tests/bench:notification_bench)
measures events && targets+=(//quest:quest_server //notification:notification_server
  //tests/bench:quest_bench //tests/bench:notification_bench //tests/bench:events_bench)
bazel build -c opt "${targets[@]}"
bin=$(bazel info -c opt bazel-bin 2>/dev/null)
baseline_binary=${BENCH_BASELINE_QUEST_BINARY:-}
if [[ -z $baseline_binary && -n $baseline_commit ]] && measures quest; then
  log "building the baseline quest server of $baseline_commit"
  baseline_binary=$(tests/bench/baseline.sh "$baseline_commit")
fi
if [[ -n $baseline_binary && ! -x $baseline_binary ]]; then
  echo "run.sh: no baseline quest server at $baseline_binary" >&2
  exit 1
fi
quest_url="postgres://quest_svc:$QUEST_DB_PASSWORD@$PG_HOST:$PG_PRIMARY_PORT/quest_db"
page_token_key=$(openssl rand -hex 32)

# --- the quest server -------------------------------------------------------
quest_pid=
after_binary=${BENCH_QUEST_BINARY:-$bin/quest/quest_server}
quest_binary=$after_binary
quest_binary_env=()
quest_wrapper=()  # a command the server runs under, e.g. valgrind
quest_start_timeout=60
use_binary() {  # use_binary after|before: this checkout's quest server, or the baseline's
  if [[ $1 == before ]]; then
    quest_binary=$baseline_binary
    # The schema is this checkout's (migrated by its server at the seed): an
    # older server must not try to migrate it.
    quest_binary_env=(MIGRATE_ON_START=false)
  else
    quest_binary=$after_binary
    quest_binary_env=()
  fi
}
start_quest() {  # start_quest [VAR=value ...]: overrides of the default env
  stop_quest
  local since
  since=$(date +%s%N)
  env -i PATH="$PATH" \
    DB_HOST="$PG_HOST" DB_PORT="$PG_PRIMARY_PORT" \
    DB_READ_HOST="$PG_HOST" DB_READ_PORT="$PG_REPLICA_PORT" \
    DB_NAME=quest_db DB_USER=quest_svc DB_PASSWORD="$QUEST_DB_PASSWORD" \
    DB_MIGRATION_USER=quest_owner DB_MIGRATION_PASSWORD="$QUEST_OWNER_PASSWORD" \
    DB_MAX_CONNECTIONS=$pool_size DB_MIN_CONNECTIONS=5 \
    GRPC_LISTEN_ADDRESS="127.0.0.1:$quest_port" GRPC_TLS_MODE=plaintext \
    PAGE_TOKEN_KEY="$page_token_key" NATS_URL="$NATS_URL" "${quest_binary_env[@]}" "$@" \
    "${quest_wrapper[@]}" "$quest_binary" >>"$STATE_DIR/logs/quest.log" 2>&1 </dev/null &
  quest_pid=$!
  startup_ms=$("$bin/tests/bench/quest_bench" wait-serving \
    --target="127.0.0.1:$quest_port" --since-ns="$since" --timeout="$quest_start_timeout") || {
    tail -n 20 "$STATE_DIR/logs/quest.log" >&2; exit 1; }
}
stop_quest() {
  [[ -n "${quest_pid:-}" ]] || return 0
  kill -TERM "$quest_pid" 2>/dev/null || true
  wait "$quest_pid" 2>/dev/null || true
  quest_pid=
}

# What every service's part shares (start_service, service_load, ...), then
# the parts: social_scale, notification_scale (they use what is defined
# above).
# shellcheck source=tests/bench/service.sh
source tests/bench/service.sh
# shellcheck source=tests/bench/social.sh
source tests/bench/social.sh
# shellcheck source=tests/bench/notification.sh
source tests/bench/notification.sh
# shellcheck source=tests/bench/events.sh
source tests/bench/events.sh
# shellcheck source=tests/bench/quest_engine.sh
source tests/bench/quest_engine.sh
# shellcheck source=tests/bench/write_path.sh
source tests/bench/write_path.sh

load() {  # load LABELS SCENARIOS [quest_bench flags...]
  local labels=$1 scenarios=$2
  shift 2
  "$bin/tests/bench/quest_bench" run --target="127.0.0.1:$quest_port" \
    --database-url="$quest_url" --scenarios="$scenarios" --labels="kind=load,$labels" \
    --duration="$duration" --warmup="$warmup" --out="$results" "$@"
}

# --- data -------------------------------------------------------------------
seed() {  # seed USERS
  local users=$1 puzzles=$(( $1 / 20 > 1000 ? $1 / 20 : 1000 ))
  log "seeding $users users, $puzzles puzzles, $((users * 10)) attempts"
  deploy/infra.sh reset-databases --state "$STATE_DIR" >/dev/null
  start_quest  # migrates the empty database
  stop_quest
  "$bin/quest/seed" --users="$users" --puzzles="$puzzles" --attempts=$((users * 10)) \
    --database-url="$quest_url" >&2
  psql_primary -c "VACUUM ANALYZE" >/dev/null
  wait_replica
}
psql_on() {  # psql_on PORT [psql args]: as the admin role, on $database (quest_db)
  PGPASSWORD="$PG_ADMIN_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$1" \
    -U "$PG_ADMIN_USER" -d "${database:-quest_db}" "${@:2}"
}
psql_primary() { psql_on "$PG_PRIMARY_PORT" "$@"; }
psql_replica() { psql_on "$PG_REPLICA_PORT" "$@"; }
wait_replica() {  # until the replica has replayed everything written so far
  local lsn
  lsn=$(psql_primary -At -c "SELECT pg_current_wal_lsn()")
  until [[ $(psql_replica -At -c \
      "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn") == t ]]; do sleep 0.5; done
}

# --- references ---------------------------------------------------------------
# pgbench runs GetPuzzle's SQL (quest/puzzle_store.cc) on the replica, where
# the service reads, with the prepared protocol and the pool's connection
# count. Ids come from a numbered copy of the puzzle ids (an extra primary-key
# lookup per call that the service does not pay).
pgbench_get_puzzle() {  # pgbench_get_puzzle USERS
  psql_primary -c "DROP TABLE IF EXISTS bench_puzzle_ids;
    CREATE TABLE bench_puzzle_ids AS
      SELECT (row_number() OVER ()) - 1 AS n, id FROM puzzles WHERE status = 'published';
    ALTER TABLE bench_puzzle_ids ADD PRIMARY KEY (n); ANALYZE bench_puzzle_ids;" >/dev/null
  wait_replica
  local count script="$STATE_DIR/get_puzzle.pgbench" logs="$STATE_DIR/pgbench"
  count=$(psql_replica -At -c "SELECT count(*) FROM bench_puzzle_ids")
  cat >"$script" <<SQL
\set n random(0, $count - 1)
SELECT id::text, author_id::text, title, kind, themes::text, rating, play_count, content, solution, status, version, (extract(epoch FROM created_at) * 1000000)::bigint, (extract(epoch FROM updated_at) * 1000000)::bigint FROM puzzles WHERE id = (SELECT id FROM bench_puzzle_ids WHERE n = :n);
SQL
  rm -rf "$logs" && mkdir -p "$logs"
  log "pgbench: GetPuzzle SQL, $pool_size connections, ${duration}s"
  (cd "$logs" && PGPASSWORD="$PG_ADMIN_PASSWORD" /usr/lib/postgresql/15/bin/pgbench \
    -n -M prepared -c "$pool_size" -j 2 -T "$((duration + warmup))" -f "$script" -l \
    -h "$PG_HOST" -p "$PG_REPLICA_PORT" -U "$PG_ADMIN_USER" quest_db >/dev/null)
  python3 tests/bench/pgbench_log.py --logs="$logs" --warmup="$warmup" --duration="$duration" \
    --labels="users=$1,scenario=get_puzzle,label=get_puzzle,connections=$pool_size,read_node=replica,transport=$(transport_of "$PG_HOST")" \
    >>"$results"
}

# --- resources ----------------------------------------------------------------
rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$quest_pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$quest_pid/stat"; }
resources() {  # the quest server idle, then at 1,000 calls/s of the mixed profile
  start_quest
  local startup=$startup_ms
  sleep 2
  local idle before after peak=0 rss calls hz
  idle=$(rss_mb)
  before=$(cpu_ticks)
  load "group=resource,users=$1" mixed --mode=open --rate=1000 &
  local load_pid=$!
  while kill -0 "$load_pid" 2>/dev/null; do
    rss=$(rss_mb)
    peak=$(awk -v a="$peak" -v b="$rss" 'BEGIN {print (b > a) ? b : a}')
    sleep 0.5
  done
  wait "$load_pid"
  after=$(cpu_ticks)
  hz=$(getconf CLK_TCK)
  calls=$(tail -n 1 "$results" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["calls"], r["calls_per_s"], r["duration_s"])')
  read -r calls rate seconds <<<"$calls"
  # CPU of the whole run (warm-up included) over the calls it sent.
  python3 - "$idle" "$peak" "$rate" "$before" "$after" "$hz" "$startup" "$seconds" "$warmup" <<'PY' >>"$results"
import json, sys
idle, peak, rate, before, after, hz, startup, seconds, warmup = map(float, sys.argv[1:])
cpu_ms = (after - before) * 1000.0 / hz
calls_sent = rate * (seconds + warmup)
print(json.dumps({"kind": "resource", "service": "quest", "rss_idle_mb": idle,
                  "rss_load_mb": peak, "load_calls_per_s": rate,
                  "cpu_ms_per_1000_calls": round(cpu_ms / calls_sent * 1000.0, 1),
                  "startup_ms": startup}))
PY
}

# --- query plans ----------------------------------------------------------------
# The statements quest registers (tests/bench:quest_statements prints them),
# prepared on the replica and EXPLAIN ANALYZEd with the values of a median
# (or top) user: the plans of the SQL the service runs. GetNextPuzzle runs
# unregistered SQL, mirrored here.
explain() {  # explain LABEL SQL: EXPLAIN ANALYZE on the replica
  local plan
  plan=$(psql_replica -At -c "EXPLAIN (ANALYZE, BUFFERS) $2")
  python3 -c 'import json,sys; print(json.dumps({"kind":"explain","label":sys.argv[1],"users":int(sys.argv[2]),"sql":sys.argv[3],"plan":sys.argv[4]}))' \
    "$1" "$largest" "$2" "$plan" >>"$results"
}
explain_statement() {  # explain_statement LABEL NAME ARGUMENTS: a registered statement
  local sql plan
  sql=$("$bin/tests/bench/quest_statements" | awk -F '\t' -v name="$2" '$1 == name {print $2}')
  [[ -n $sql ]] || { echo "run.sh: quest registers no statement $2" >&2; exit 1; }
  plan=$(psql_replica -At -c "PREPARE statement AS $sql; EXPLAIN (ANALYZE, BUFFERS) EXECUTE statement($3)")
  python3 -c 'import json,sys; print(json.dumps({"kind":"explain","label":sys.argv[1],"users":int(sys.argv[2]),"sql":sys.argv[3],"plan":sys.argv[4]}))' \
    "$1" "$largest" "$sql -- EXECUTE ($3)" "$plan" >>"$results"
}
explain_top_queries() {
  local user puzzle score top_user bound=1000  # LEADERBOARD_EXACT_RANK_LIMIT's default
  user=$(psql_replica -At -c "SELECT user_id FROM leaderboard_scores WHERE period = 'all' ORDER BY score DESC OFFSET (SELECT count(*) / 2 FROM leaderboard_scores WHERE period = 'all') LIMIT 1")
  score=$(psql_replica -At -c "SELECT score FROM leaderboard_scores WHERE period = 'all' AND user_id = '$user'")
  top_user=$(psql_replica -At -c "SELECT user_id FROM leaderboard_scores WHERE period = 'all' ORDER BY score DESC, user_id OFFSET 9 LIMIT 1")
  puzzle=$(psql_replica -At -c "SELECT id FROM puzzles LIMIT 1")
  explain_statement "GetPuzzle (coalesced lookup)" quest_puzzle_get_many "'{$puzzle}'"
  explain_statement "ListPuzzles: first feed page" quest_puzzle_feed "'published', '', 0, 0, '', '', 0, 21"
  explain_statement "GetLeaderboard: top 100, ranked" quest_board_first_page "'all', $bound, 101"
  explain_statement "GetLeaderboard: the page after a median user" quest_board_page_after "'all', $bound, $score, '$user', 21"
  explain_statement "GetLeaderboardAroundUser: a median user" quest_board_around_user "'all', $bound, '$user', 5"
  explain_statement "GetLeaderboardAroundUser: a top-10 user" quest_board_around_user "'all', $bound, '$top_user', 5"
  explain_statement "Ranks: exact count past the bound (no histogram yet)" quest_board_count_above "'all', $score"
  explain_statement "Ranks: score histogram refresh (background, once a minute per period)" quest_board_score_counts "'all'"
  explain "GetNextPuzzle: nearest unseen puzzle around a median user's rating" "WITH me AS (SELECT round(coalesce((SELECT rating FROM user_progress WHERE user_id = '$user'::uuid), 1500))::int AS r), up AS (SELECT * FROM puzzles p WHERE p.status = 'published' AND NOT EXISTS (SELECT 1 FROM puzzle_attempts a WHERE a.user_id = '$user'::uuid AND a.puzzle_id = p.id) AND p.rating >= (SELECT r FROM me) AND p.rating <= (SELECT r + 150 FROM me) ORDER BY p.rating, p.id LIMIT 1), down AS (SELECT * FROM puzzles p WHERE p.status = 'published' AND NOT EXISTS (SELECT 1 FROM puzzle_attempts a WHERE a.user_id = '$user'::uuid AND a.puzzle_id = p.id) AND p.rating < (SELECT r FROM me) AND p.rating >= (SELECT r - 150 FROM me) ORDER BY p.rating DESC, p.id LIMIT 1) SELECT id FROM (SELECT * FROM up UNION ALL SELECT * FROM down) p ORDER BY abs(p.rating - (SELECT r FROM me)), p.id LIMIT 1"
}

# --- the run ----------------------------------------------------------------------
python3 - "$(git rev-parse --short HEAD)" "$(psql_primary -At -c 'SHOW shared_buffers')" "$baseline_commit" "$baseline_binary" "$(psql_primary -At -c 'SHOW wal_compression')" <<'PY' >>"$results"
import json, os, platform, subprocess, sys, datetime
def first(path, key):
    for line in open(path):
        if line.startswith(key):
            return line.split(":", 1)[1].strip()
os_name = dict(l.rstrip().split("=", 1) for l in open("/etc/os-release") if "=" in l)
mem_kb = int(first("/proc/meminfo", "MemTotal").split()[0])
postgres = subprocess.run(["/usr/lib/postgresql/15/bin/postgres", "--version"],
                          capture_output=True, text=True).stdout.strip()
print(json.dumps({"kind": "machine", "cpu": first("/proc/cpuinfo", "model name"),
                  "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
                  "os": os_name.get("PRETTY_NAME", "").strip('"'), "kernel": platform.release(),
                  "postgres": postgres, "shared_buffers": sys.argv[2],
                  "wal_compression": sys.argv[5], "commit": sys.argv[1],
                  "date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                  **({"baseline": sys.argv[3]} if sys.argv[3] else {}),
                  **({"baseline_binary": sys.argv[4]} if sys.argv[4] else {})}))
PY

if measures quest; then
  runs write && write_prepare
  for users in "${scale_list[@]}"; do
    # The engine, cpu and write parts run at the largest scale only.
    runs scale || [[ $users == "$largest" ]] || continue
    seed "$users"
    if runs scale; then
      start_quest
      log "scale $users: feed, next puzzle, leaderboards"
      # One call in flight: the cost of a call at this size, without queueing.
      load "group=scale,users=$users" list_puzzles,next_puzzle,leaderboard_top,leaderboard_around \
        --concurrency=1
      stop_quest
    fi
    [[ $users == "$largest" ]] || continue
    if runs main; then
      start_quest
      log "all scenarios at $users users"
      load "group=main,users=$users" get_puzzle,list_puzzles,next_puzzle,submit_attempt,leaderboard_top,leaderboard_around,mixed
      # The latency targets, at a steady rate well below saturation.
      load "group=latency,users=$users" get_puzzle,list_puzzles,leaderboard_top \
        --mode=open --rate=500
      load "group=read_node,users=$users,variant=read=replica" get_puzzle
      start_quest DB_READ_PORT="$PG_PRIMARY_PORT"
      load "group=read_node,users=$users,variant=read=primary" get_puzzle
      start_quest DB_MAX_CONNECTIONS=1 DB_MIN_CONNECTIONS=1
      load "group=pool,users=$users,variant=pool=1" get_puzzle
      start_quest
      load "group=pool,users=$users,variant=pool=20" get_puzzle
      stop_quest
      pgbench_get_puzzle "$users"
      resources "$users"
      explain_top_queries
    fi
    binaries=(after)
    [[ -n $baseline_binary ]] && binaries+=(before)
    if runs engine; then
      runs main || pgbench_get_puzzle "$users"
      for binary in "${binaries[@]}"; do
        engine_versus_pgbench "$users" "$binary"
        # The main part measured this checkout's server already.
        if [[ $binary == before ]] || ! runs main; then engine_scenarios "$users" "$binary"; fi
      done
    fi
    if runs engine || runs cpu; then
      for binary in "${binaries[@]}"; do
        engine_cpu "$users" "$binary"
        engine_instructions "$users" "$binary"
      done
    fi
    if runs write; then
      write_pgbench "$users"
      write_scenarios "$users" "${binaries[@]}"
    fi
    use_binary after
  done
fi

if measures social; then
  for users in "${scale_list[@]}"; do
    social_scale "$users"
  done
fi

if measures notification; then
  for logs in "${scale_list[@]}"; do
    notification_scale "$logs"
  done
fi

measures events && events_measure

if [[ $service == events ]]; then
  python3 tests/bench/events_report.py --results "$results" --out "$report_out"
elif [[ $service == social || $service == notification ]]; then
  python3 tests/bench/report.py --results "$results" --out "$report_out"
elif [[ $only == write ]]; then
  python3 tests/bench/report.py --results "$results" --out "$report_out"
else
  python3 tests/bench/report.py --results "$results" --out "$report_out" \
    --svg "$report_dir/benchmarks-scale.svg"
fi
if [[ $service == all ]]; then
  python3 tests/bench/events_report.py --results "$results" --out "$report_dir/benchmarks-events.md"
fi
log "wrote $report_out"
