-- Least privilege in one service database: the owner role owns the database
-- and every object in it (it runs the migrations: DDL); the runtime role,
-- which the service connects as, may connect and read and write the rows of
-- every table and sequence the owner makes, now or in later migrations, and
-- nothing else: no CREATE, ALTER, DROP, TRUNCATE, temporary tables.
--
-- Run as the superuser, connected to the database, with the psql variables
-- database, owner and runtime (roles that exist already):
--   psql -d quest_db -v database=quest_db -v owner=quest_owner \
--        -v runtime=quest_svc -f deploy/service_roles.sql
-- deploy/infra.sh runs it for the service databases, tests/support/test_infra.cc
-- for scratch databases. Running it again changes nothing.
\set ON_ERROR_STOP on

ALTER DATABASE :"database" OWNER TO :"owner";
-- What an older setup created as the runtime role (it used to own the
-- database) passes to the owner, so the owner's migrations can alter it.
REASSIGN OWNED BY :"runtime" TO :"owner";

REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
REVOKE ALL ON DATABASE :"database" FROM :"runtime";
GRANT CONNECT ON DATABASE :"database" TO :"runtime";

-- PostgreSQL 15 already denies PUBLIC CREATE on public; said here so that
-- a database restored from an older dump gets the same rule.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"runtime";

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"runtime";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"runtime";
-- Tables and sequences the owner creates from now on (its migrations).
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner"
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"runtime";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner"
  GRANT USAGE, SELECT ON SEQUENCES TO :"runtime";
