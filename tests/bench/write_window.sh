#!/usr/bin/env bash
# The edges of one write-path window (tests/bench/write_path.sh passes it to
# quest_bench as --measure-start-command / --measure-end-command, which run
# it with no call in flight):
#   tests/bench/write_window.sh MARKS_FILE start|end METRICS_URL
# appends "<edge> <unix time> <db_write_round_trips_total>
# <db_write_transactions_total> <statements>" to MARKS_FILE: the quest
# server's counters from its metrics endpoint ("-" when it has none: a
# baseline binary from before issue 16) and the calls of every statement
# quest_svc ran in quest_db, from pg_stat_statements (BEGIN and COMMIT
# included), then tests/bench/cpu_snapshot.sh's six CPU tick counts (the
# primary, the replica, quest_bench, the quest server BENCH_SERVICE_PID,
# the machine's busy and total), then tests/bench/wal_snapshot.sh's three
# WAL counts of the primary. Needs PG_HOST, PG_PRIMARY_PORT,
# PG_ADMIN_USER, PGPASSWORD, STATE_DIR and BENCH_SERVICE_PID.
# With BENCH_PERF=1 it also records the whole machine's CPU profile over
# the window (perf record -a -g) into MARKS_FILE.perf.data, for
# `perf report -i ... --sort comm,dso,sym` (needs Debian's linux-perf).
set -euo pipefail
marks=$1 edge=$2 metrics_url=$3
now=$(date +%s.%N)
metrics=$(curl -fsS --max-time 5 "$metrics_url" || true)
counter() { awk -v name="$1" '$1 == name {print $2; found = 1} END {if (!found) print "-"}' <<<"$metrics"; }
# The calls' writes only (origin="call"): the background jobs' are apart.
round_trips=$(counter 'db_write_round_trips_total{origin="call"}')
transactions=$(counter 'db_write_transactions_total{origin="call"}')
statements=$(psql -X -q -At -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PRIMARY_PORT" \
  -U "$PG_ADMIN_USER" -d postgres -c "SELECT coalesce(sum(s.calls), 0)
    FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
    JOIN pg_database d ON d.oid = s.dbid
    WHERE r.rolname = 'quest_svc' AND d.datname = 'quest_db'")
cpu=$(tests/bench/cpu_snapshot.sh quest_bench "${BENCH_SERVICE_PID:-}")
wal=$(tests/bench/wal_snapshot.sh)
echo "$edge $now $round_trips $transactions $statements $cpu $wal" >>"$marks"

if [[ ${BENCH_PERF:-} == 1 ]]; then
  if [[ $edge == start ]]; then
    perf record -a -g -F 499 -o "$marks.perf.data" >/dev/null 2>&1 &
    echo $! >"$marks.perf.pid"
  elif [[ -f $marks.perf.pid ]]; then
    kill -INT "$(cat "$marks.perf.pid")" 2>/dev/null || true
    while kill -0 "$(cat "$marks.perf.pid")" 2>/dev/null; do sleep 0.1; done
    rm -f "$marks.perf.pid"
  fi
fi
