-- One row per landing file that a load looked at: what came in and what became of it.
-- status: loaded (its rows are in core), superseded (a later file for the period replaced it),
-- rejected (the file or the period's load was refused; core is unchanged).
CREATE TABLE IF NOT EXISTS audit.batches (
    batch_id             VARCHAR(36) PRIMARY KEY,
    source               VARCHAR(40)  NOT NULL,
    period               VARCHAR(10)  NOT NULL,
    file_name            VARCHAR(500) NOT NULL,
    file_sha256          CHAR(64)     NOT NULL,
    run_id               VARCHAR(250),
    status               VARCHAR(20)  NOT NULL,
    rows_read            BIGINT       NOT NULL,
    rows_loaded          BIGINT       NOT NULL,
    rows_rejected        BIGINT       NOT NULL,
    expectation_results  TEXT,
    message              TEXT,
    started_at           TIMESTAMP    NOT NULL,
    finished_at          TIMESTAMP    NOT NULL,
    CONSTRAINT batches_accounted CHECK (rows_read = rows_loaded + rows_rejected)
);
-- The batch's validation page (dxstats.validation_report): every expectation's result and the rejected rows.
ALTER TABLE audit.batches ADD COLUMN IF NOT EXISTS validation_report VARCHAR(1000);
-- The province whose landing folder the file came from (GSO code): a load replaces one period of one province.
ALTER TABLE audit.batches ADD COLUMN IF NOT EXISTS province_code VARCHAR(2);

-- One row per failed check of a rejected input row (a row can fail several checks).
-- value holds only contract columns: personal data is never read, so it cannot land here.
CREATE TABLE IF NOT EXISTS audit.rejected_rows (
    batch_id     VARCHAR(36)  NOT NULL,
    file_name    VARCHAR(500) NOT NULL,
    source_row   BIGINT       NOT NULL,
    column_name  VARCHAR(100),
    value        VARCHAR(200),
    reason       VARCHAR(500) NOT NULL,
    check_name   VARCHAR(100) NOT NULL
);
-- A load looks up its own batches' rejections (to drop those rows, to count them); loads do not ANALYZE this
-- shared table, so on PostgreSQL the index keeps those lookups cheap whatever the statistics say.
/*postgresql: CREATE INDEX IF NOT EXISTS rejected_rows_of_batch ON audit.rejected_rows (batch_id, source_row)*/;

-- Each batch with the half-year(s) its period falls in: a month's, a half-year's, or a year's (in both halves).
CREATE OR REPLACE VIEW audit.half_year_batches AS
SELECT h.half_year, b.*
FROM audit.batches AS b
JOIN core.half_years AS h
  ON b.period = h.half_year
  OR b.period = CAST(EXTRACT(YEAR FROM h.last_day) AS VARCHAR)
  OR (LENGTH(b.period) = 7 AND SUBSTRING(b.period, 5, 1) = '-'
      AND b.period >= SUBSTRING(CAST(h.first_day AS VARCHAR), 1, 7)
      AND b.period <= SUBSTRING(CAST(h.last_day AS VARCHAR), 1, 7));

-- What the warehouse was last built from: the DDL's and the reference files' SHA-256, so that the ingest DAGs'
-- first step, run before every load, does nothing when nothing changed.
CREATE TABLE IF NOT EXISTS audit.applied_versions (
    what        VARCHAR(40)  PRIMARY KEY,   -- schema, reference
    digest      CHAR(64)     NOT NULL,
    applied_at  TIMESTAMP    NOT NULL
);
