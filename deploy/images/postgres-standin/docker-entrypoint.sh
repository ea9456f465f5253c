#!/usr/bin/env bash
# Entrypoint of the postgres:15 stand-in (postgres-standin.Dockerfile): the
# part of the official image's docker-entrypoint.sh that compose files rely on.
#
# - Arguments: `postgres ...` (or only flags, `-c x=y`, which get `postgres`
#   put in front) start the server; any other command is run as it is.
# - First start (no PGDATA/PG_VERSION): initdb as POSTGRES_USER (default
#   postgres) with POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE), scram-sha-256,
#   plus POSTGRES_INITDB_ARGS; pg_hba gets `host all all all` and
#   `host replication all all` with POSTGRES_HOST_AUTH_METHOD (default
#   scram-sha-256); POSTGRES_DB (default POSTGRES_USER) is created; then
#   /docker-entrypoint-initdb.d/* in name order against a server listening on
#   the local socket only: *.sh executed when executable, else sourced;
#   *.sql and *.sql.gz through psql (stopping at the first error).
# - Then `exec postgres ...`: PID 1, listening on '*' (the config sample).
# Runs as user postgres (uid 999), as the image's USER says.
set -Eeuo pipefail

log() { echo "docker-entrypoint: $*" >&2; }

# POSTGRES_PASSWORD or the contents of POSTGRES_PASSWORD_FILE, never both.
file_env() {
  local var=$1 file_var="${1}_FILE" default=${2:-}
  if [[ -n "${!var:-}" && -n "${!file_var:-}" ]]; then
    log "error: both $var and $file_var are set (but are exclusive)"
    exit 1
  fi
  local value=$default
  if [[ -n "${!var:-}" ]]; then
    value=${!var}
  elif [[ -n "${!file_var:-}" ]]; then
    value=$(<"${!file_var}")
  fi
  export "$var"="$value"
  unset "$file_var"
}

# psql against the temporary server, as the official image's scripts expect.
process_sql() {
  PGHOST='' PGHOSTADDR='' psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password \
    --no-psqlrc --dbname "$POSTGRES_DB" "$@"
}

init_database() {
  file_env POSTGRES_PASSWORD
  export POSTGRES_USER=${POSTGRES_USER:-postgres}
  export POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
  local auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [[ -z "$POSTGRES_PASSWORD" && "$auth" != trust ]]; then
    log "error: the database is uninitialized and POSTGRES_PASSWORD is not set."
    log "       Set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust, unsafe)."
    exit 1
  fi
  local initdb_args=()
  read -r -a initdb_args <<<"${POSTGRES_INITDB_ARGS:-}"
  # shellcheck disable=SC2094
  initdb --username="$POSTGRES_USER" --auth-host="$auth" --auth-local=trust \
    --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") "${initdb_args[@]}" >&2
  # Password hashes as the clients' method wants them.
  echo "password_encryption = scram-sha-256" >>"$PGDATA/postgresql.conf"
  {
    echo
    echo "host all all all $auth"
    echo "host replication all all $auth"
  } >>"$PGDATA/pg_hba.conf"

  # Local socket only: nobody reaches the database before it is set up.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start >&2
  export PGPASSWORD=${PGPASSWORD:-$POSTGRES_PASSWORD}
  if [[ "$POSTGRES_DB" != postgres ]]; then
    local database=$POSTGRES_DB
    POSTGRES_DB=postgres process_sql --set db="$database" <<<'CREATE DATABASE :"db" ;' >&2
  fi
  local file
  for file in /docker-entrypoint-initdb.d/*; do
    [[ -e "$file" ]] || continue
    case "$file" in
      *.sh)
        if [[ -x "$file" ]]; then
          log "running $file"
          "$file"
        else
          log "sourcing $file"
          # shellcheck disable=SC1090
          . "$file"
        fi
        ;;
      *.sql)
        log "running $file"
        process_sql -f "$file" >&2
        ;;
      *.sql.gz)
        log "running $file"
        gunzip -c "$file" | process_sql >&2
        ;;
      *) log "ignoring $file" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >&2
  unset PGPASSWORD
  log "PostgreSQL init process complete; ready for start up."
}

if [[ "${1:-}" == -* ]]; then set -- postgres "$@"; fi
if [[ "${1:-}" == postgres ]]; then
  # As the official image: PG_VERSION is the only marker, so a first start
  # whose init script failed (after initdb) is not retried on the next start;
  # the README says to remove the volume.
  if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    init_database
  else
    log "PostgreSQL Database directory appears to contain a database; skipping initialization"
  fi
fi
exec "$@"
