#!/usr/bin/env bash
# First start of the compose stack's PostgreSQL (the image runs every
# /docker-entrypoint-initdb.d/*.sh once, on an empty data directory, against a
# temporary server on the local socket, as POSTGRES_USER):
#   - the replication role `replicator` (docker-compose.replica.yml's replica
#     clones and streams as it) and the pg_hba line that lets it in;
#   - per service the owner role <svc>_owner (owns <svc>_db, runs the
#     migrations) and the runtime role <svc>_svc (rows only), with the grants
#     of deploy/service_roles.sql, the file deploy/infra.sh uses too.
# Passwords come from the environment (deploy/compose/.env) and reach the SQL
# as psql variables (:'name' quotes them), never spliced into the text.
set -euo pipefail

psql_admin() {
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password "$@"
}

psql_admin --dbname postgres -v password="$REPLICATOR_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD :'password';
SQL

for svc in quest notification social; do
  runtime_password_var="${svc^^}_DB_PASSWORD"
  owner_password_var="${svc^^}_OWNER_PASSWORD"
  psql_admin --dbname postgres -v database="${svc}_db" -v owner="${svc}_owner" \
    -v runtime="${svc}_svc" -v owner_password="${!owner_password_var}" \
    -v runtime_password="${!runtime_password_var}" <<'SQL'
CREATE ROLE :"runtime" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'runtime_password';
CREATE ROLE :"owner" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE DATABASE :"database" OWNER :"owner";
SQL
  psql_admin --dbname "${svc}_db" -v database="${svc}_db" -v owner="${svc}_owner" \
    -v runtime="${svc}_svc" -f /quest-ecosystem/service_roles.sql
done

# The image's own line (host all all all scram-sha-256) does not cover
# replication connections. Read when the real server starts, after this script.
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
