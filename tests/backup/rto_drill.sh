#!/usr/bin/env bash
# The RTO drill at a real data size (not in the suite: it takes minutes per
# GB). Against the primary of a deploy/infra.sh state directory (default the
# benchmarks' .state/bench, whose quest_db tests/bench fills with ~4 GB), it
# measures, one step after the other:
#   1. `backup run` of one database (pg_dump -Fc | age, to a local target);
#   2. `backup restore --at latest` of it (download, checksum, decrypt,
#      pg_restore into a new database, checks, ANALYZE, switch): the RTO of
#      a database from the daily dump;
#   3. a full pgBackRest base backup;
#   4. a pgBackRest restore of the whole cluster to "now" into a new data
#      directory, started and promoted: the RTO of the cluster from PITR.
# and prints one "RTO drill:" line per step, with the sizes. The database is
# left in place restored (same rows); the copy it replaced is dropped.
#
#   tests/backup/rto_drill.sh [--state DIR] [--database quest_db]
#
# Output: the terminal, and a copy in DIR/rto-drill/report.txt.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
state=$repo/.state/bench
database=quest_db
while [[ $# -gt 0 ]]; do
  case "$1" in
    --state) state=$2; shift 2 ;;
    --database) database=$2; shift 2 ;;
    *) echo "usage: $0 [--state DIR] [--database NAME]" >&2; exit 2 ;;
  esac
done
[[ -s "$state/infra.env" ]] || { echo "no $state/infra.env: run deploy/infra.sh up --state $state first" >&2; exit 2; }
# shellcheck disable=SC1091
source "$state/infra.env"
export PG_PRIMARY_PORT PG_REPLICA_PORT
"$repo/deploy/infra.sh" up-postgres --state "$state" >/dev/null

work=$state/rto-drill
rm -rf "$work"
mkdir -p "$work/target" "$work/staging"
# The marker `backup init-target` writes; a target without it is refused.
touch "$work/target/.quest-backup-target"
report=$work/report.txt
say() { echo "RTO drill: $*" | tee -a "$report"; }
seconds_since() { echo "$(( $(date +%s%N) - $1 ))" | awk '{printf "%.1f", $1 / 1e9}'; }
admin_sql() {
  PGPASSWORD=$PG_ADMIN_PASSWORD psql -h "$PG_HOST" -p "$PG_PRIMARY_PORT" -U "$PG_ADMIN_USER" \
    -d postgres -Atqc "$1"
}

(cd "$repo" && bazel build -c opt //deploy/backup >/dev/null 2>&1)
backup_bin=$repo/bazel-bin/deploy/backup/backup
age-keygen -o "$work/identity" 2>/dev/null
export BACKUP_TARGET=$work/target
export BACKUP_AGE_RECIPIENTS
BACKUP_AGE_RECIPIENTS=$(age-keygen -y "$work/identity")
export BACKUP_AGE_IDENTITY_FILE=$work/identity
export BACKUP_DATABASES=$database BACKUP_STAGING_DIR=$work/staging
export BACKUP_PG_HOST=$PG_HOST BACKUP_PG_PORT=$PG_PRIMARY_PORT BACKUP_PG_USER=$PG_ADMIN_USER
export BACKUP_PG_PASSWORD=$PG_ADMIN_PASSWORD
export BACKUP_PG_READ_HOST=$PG_HOST BACKUP_PG_READ_PORT=$PG_REPLICA_PORT

size=$(admin_sql "SELECT pg_size_pretty(pg_database_size('$database'))")
rows=$(PGPASSWORD=$PG_ADMIN_PASSWORD psql -h "$PG_HOST" -p "$PG_PRIMARY_PORT" -U "$PG_ADMIN_USER" \
  -d "$database" -Atqc "SELECT sum(n_live_tup)::bigint FROM pg_stat_user_tables")
say "$database: $size on disk, ~$rows rows; $(nproc) cores; $(date -u +%FT%TZ)"

start=$(date +%s%N)
"$backup_bin" run >"$work/run.log" 2>&1 || { cat "$work/run.log"; exit 1; }
dump_bytes=$(find "$work/target" -name '*.dump.age' -printf '%s\n' | head -1)
say "1. backup run: $(seconds_since "$start") s ($((dump_bytes / 1024 / 1024)) MB encrypted dump)"

start=$(date +%s%N)
"$backup_bin" restore --database "$database" --at latest >"$work/restore.log" 2>&1 ||
  { cat "$work/restore.log"; exit 1; }
say "2. backup restore (into a new database, checked, switched): $(seconds_since "$start") s"
for old in $(admin_sql "SELECT datname FROM pg_database WHERE datname LIKE '${database}_pre_restore_%'"); do
  admin_sql "DROP DATABASE \"$old\""
done

start=$(date +%s%N)
"$repo/deploy/backup/pitr.sh" base --type full --state "$state" >"$work/base.log" 2>&1 ||
  { cat "$work/base.log"; exit 1; }
say "3. pgBackRest full base backup: $(seconds_since "$start") s"

target_time=$(admin_sql "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
# Recovery to a time stops at the first commit after it; an idle cluster
# has none, so commit one (a transaction with an id writes a commit record).
admin_sql "SELECT txid_current()" >/dev/null
"$repo/deploy/backup/pitr.sh" check --state "$state" >/dev/null
cluster_size=$(admin_sql "SELECT pg_size_pretty(sum(pg_database_size(datname))) FROM pg_database")
side_port=$((PG_PRIMARY_PORT + 7))
start=$(date +%s%N)
"$repo/deploy/backup/pitr.sh" restore --to "$target_time" --data-dir "$work/pitr" --port "$side_port" \
  --state "$state" >"$work/pitr.log" 2>&1 || { cat "$work/pitr.log"; exit 1; }
say "4. pgBackRest restore of the cluster ($cluster_size) to $target_time, promoted: $(seconds_since "$start") s"
"$repo/deploy/backup/pitr.sh" stop --data-dir "$work/pitr" --remove --state "$state" >/dev/null
say "report: $report"
