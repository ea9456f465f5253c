-- The role the daily backup job connects as (BACKUP_PG_USER): it may read
-- every row of the three databases and nothing else. It cannot write, so a
-- leaked backup credential cannot change data. Restores are an operator's
-- act and run as an administrator (docs/operations/backup-and-restore.md).
-- Run as a superuser, then set its password:
--   psql -v ON_ERROR_STOP=1 -f deploy/backup/backup_role.sql
--   psql -c "ALTER ROLE qs_backup PASSWORD '...'"
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'qs_backup') THEN
    CREATE ROLE qs_backup LOGIN;
  END IF;
END $$;
-- SELECT on every table, view and sequence, USAGE on every schema (PG 14+).
GRANT pg_read_all_data TO qs_backup;
-- CONNECT is revoked from PUBLIC on the service databases (deploy/infra.sh).
GRANT CONNECT ON DATABASE quest_db, notification_db, social_db TO qs_backup;
