#!/usr/bin/env bash
# WAL the bench primary has written so far, for the write path's "WAL per
# call" figures (tests/bench/write_window.sh at a window's edges;
# tests/bench/write_path.sh around pgbench):
#   tests/bench/wal_snapshot.sh
# prints "<records> <full-page images> <bytes>" of pg_stat_wal (the whole
# cluster: the relay's, the period jobs' and autovacuum's WAL count too), or
# "- - -" when the primary cannot be asked. Needs PG_HOST, PG_PRIMARY_PORT,
# PG_ADMIN_USER and PGPASSWORD.
set -euo pipefail
psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PRIMARY_PORT" \
  -U "$PG_ADMIN_USER" -d postgres -c "SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal" \
  2>/dev/null || echo "- - -"
