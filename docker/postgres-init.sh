#!/usr/bin/env bash
# Creates the warehouse beside Airflow's metadata database, on the PostgreSQL server of
# docker-compose.yaml. The postgres image runs this once, on the first start with an empty data
# volume; it has created the `airflow` role and database (POSTGRES_USER, POSTGRES_DB) by then.
#
# A shell script rather than plain SQL because the warehouse role's password comes from the
# environment (WAREHOUSE_DB_PASSWORD, from .env); psql binds it as a variable, quoted by psql.
# No `set -u`: the image may source this file instead of running it, and would inherit it.
set -e

: "${WAREHOUSE_DB_PASSWORD:?WAREHOUSE_DB_PASSWORD must be set for the postgres service}"
: "${ANALYST_DB_PASSWORD:?ANALYST_DB_PASSWORD must be set for the postgres service}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set=warehouse_password="$WAREHOUSE_DB_PASSWORD" --set=analyst_password="$ANALYST_DB_PASSWORD" <<'SQL'
-- The pipeline's role. It owns the warehouse database, so `python -m dxstats.schema`
-- (run by airflow-init through the `warehouse` connection) can create its schemas.
CREATE ROLE dxstats LOGIN PASSWORD :'warehouse_password';
CREATE DATABASE warehouse OWNER dxstats;
-- Nobody else connects unless granted: every other role is kept out of the warehouse.
REVOKE ALL ON DATABASE warehouse FROM PUBLIC;

-- Analysts' read-only group role: it may connect, and reads schema mart (include/sql/ddl/90_grants.postgresql.sql
-- grants it, each time the schema is applied); core, staging and audit stay closed to it.
CREATE ROLE analyst NOLOGIN;
GRANT CONNECT ON DATABASE warehouse TO analyst;
-- The analysts' login, a member of the group.
CREATE ROLE analyst_reader LOGIN PASSWORD :'analyst_password' IN ROLE analyst;
SQL
