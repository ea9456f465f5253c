#!/usr/bin/env bash
# Entrypoint of docker-compose.replica.yml's postgres-replica, as the image's
# postgres user: on an empty volume, waits for the primary, clones it with
# pg_basebackup (-R writes standby.signal and primary_conninfo, -X stream
# copies the WAL written meanwhile, -C -S creates the replication slot that
# keeps the primary's WAL until this replica has it), then runs the standby.
# A volume that holds a replica already just starts it again.
set -euo pipefail
: "${PRIMARY_HOST:?}" "${REPLICATOR_PASSWORD:?}" "${REPLICATION_SLOT:?}" "${PGDATA:?}"
export PGPASSWORD="$REPLICATOR_PASSWORD"
primary=(-h "$PRIMARY_HOST" -p "${PRIMARY_PORT:-5432}" -U replicator)

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  # depends_on's service_healthy already waits under docker-compose;
  # podman-compose 1.0.3 only orders the starts, so wait here too.
  until pg_isready -q "${primary[@]}" -d postgres; do
    echo "start-replica: waiting for $PRIMARY_HOST"
    sleep 1
  done
  # A slot left by an earlier replica volume (down -v removed the replica's
  # data but the primary kept its slot): drop it so -C can create it afresh.
  psql -v ON_ERROR_STOP=1 "${primary[@]}" -d postgres -v slot="$REPLICATION_SLOT" -qAt <<'SQL'
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
 WHERE slot_name = :'slot' AND NOT active;
SQL
  # What a clone cut short left behind; pg_basebackup makes the directory.
  rm -rf "$PGDATA"
  echo "start-replica: cloning $PRIMARY_HOST into $PGDATA"
  pg_basebackup "${primary[@]}" -D "$PGDATA" -R -X stream -C -S "$REPLICATION_SLOT" -c fast
fi

# hot_standby_feedback: reads on the replica are not cancelled when the
# primary vacuums rows they still need (as deploy/infra.sh's replica).
exec postgres -c hot_standby_feedback=on
