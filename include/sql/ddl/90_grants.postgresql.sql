-- PostgreSQL only: the analysts' read-only group role `analyst` (created by docker/postgres-init.sh) reads
-- schema mart, its present views and those created later; nothing else. Skipped where the role does not exist.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'analyst') THEN
        GRANT USAGE ON SCHEMA mart TO analyst;
        GRANT SELECT ON ALL TABLES IN SCHEMA mart TO analyst;
        ALTER DEFAULT PRIVILEGES IN SCHEMA mart GRANT SELECT ON TABLES TO analyst;
    END IF;
END
$$;
