#!/usr/bin/env bash
# Samples what the quest service's write transactions wait on, every 10 ms,
# for tests/bench/write_path.sh's lock-wait and commit-time figures:
#   tests/bench/write_sampler.sh OUT_FILE   (write_path.sh starts and stops it)
# Needs PG_HOST, PG_PRIMARY_PORT, PG_ADMIN_USER and PGPASSWORD (the admin's)
# in the environment. One line per sample, counting the backends of the
# write pool (application_name quest-write...):
#   <unix time>|<waiting on a lock>|<waiting on WAL>|<idle in transaction>|<active>|<lock events>
# "waiting on a lock": wait_event_type Lock (a row or tuple lock: another
# writer holds it until its commit; <lock events> lists each waiter's
# wait_event: transactionid, tuple, relation...). "waiting on WAL": WALSync/WALWrite
# (the commit's flush, or another backend's that it waits behind) and
# WALInsert. "idle in transaction": the transaction waits for the service's
# next statement (a round trip, or the service's own work between them).
# One psql session runs the query under \watch: a psql started per sample
# would cost more CPU than the transactions being sampled.
set -uo pipefail
out=$1
exec psql -X -q -At -h "$PG_HOST" -p "$PG_PRIMARY_PORT" -U "$PG_ADMIN_USER" -d postgres \
  >>"$out" <<'SQL'
SELECT extract(epoch FROM clock_timestamp()),
       count(*) FILTER (WHERE wait_event_type = 'Lock'),
       count(*) FILTER (WHERE wait_event IN ('WALSync', 'WALWrite', 'WALInsert')),
       count(*) FILTER (WHERE state = 'idle in transaction'),
       count(*) FILTER (WHERE state = 'active'),
       coalesce(string_agg(wait_event, ',') FILTER (WHERE wait_event_type = 'Lock'), '')
FROM pg_stat_activity WHERE application_name LIKE 'quest-write%'
\watch 0.01
SQL
