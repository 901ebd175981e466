-- Views for the engineers who run the pipeline: what loaded when, what was rejected and why, and which
-- sources are behind their schedule. Built on audit.batches and audit.rejected_rows.

-- When each source is due: a period's files are expected within due_days after the period ends.
CREATE OR REPLACE VIEW audit.source_schedule AS
SELECT source, cadence, due_days
FROM (VALUES ('portal', 'month', 10), ('portal_summary', 'month', 10), ('telecom', 'month', 15),
             ('ke_hoach_bcd', 'half_year', 20), ('van_ban_chi_dao', 'half_year', 20), ('chi_tieu', 'half_year', 20),
             ('postal', 'half_year', 20), ('household_survey', 'half_year', 20), ('population', 'year', 90))
     AS s(source, cadence, due_days);

-- Each batch with the first day of its period (YYYY-MM, YYYY-Hn or YYYY).
CREATE OR REPLACE VIEW audit.batch_periods AS
SELECT b.*,
       CASE WHEN LENGTH(b.period) = 7 AND SUBSTRING(b.period, 6, 1) = 'H'
                THEN CAST(SUBSTRING(b.period, 1, 4) || CASE SUBSTRING(b.period, 7, 1) WHEN '1' THEN '-01-01'
                                                                                       ELSE '-07-01' END AS DATE)
            WHEN LENGTH(b.period) = 7 THEN CAST(b.period || '-01' AS DATE)
            WHEN LENGTH(b.period) = 4 THEN CAST(b.period || '-01-01' AS DATE) END AS period_start
FROM audit.batches AS b;

-- The last successful load of each source, period and province: its files and rows. (province_code comes last:
-- PostgreSQL replaces a view only with its columns kept in place.)
CREATE OR REPLACE VIEW audit.last_loads AS
SELECT source, period, MAX(finished_at) AS loaded_at, COUNT(*) AS files,
       CAST(SUM(rows_read) AS BIGINT) AS rows_read, CAST(SUM(rows_loaded) AS BIGINT) AS rows_loaded,
       CAST(SUM(rows_rejected) AS BIGINT) AS rows_rejected, province_code
FROM audit.batches
WHERE status = 'loaded'
GROUP BY source, period, province_code;

-- Rows rejected from the files in force, by source, period, province and reason (a row failing two checks counts
-- in both).
CREATE OR REPLACE VIEW audit.rejections_by_reason AS
SELECT b.source, b.period, r.check_name, r.reason, COUNT(*) AS rows_rejected, b.province_code
FROM audit.rejected_rows AS r
JOIN audit.batches AS b ON b.batch_id = r.batch_id AND b.status = 'loaded'
GROUP BY b.source, b.period, b.province_code, r.check_name, r.reason;

-- Each source against its schedule today, per province that has loaded it: the latest period loaded, the latest
-- one due by now (its end plus due_days has passed), and fresh / late / missing. A source no province has loaded
-- has one row, province_code NULL, missing; the health check adds the deployment's provinces that have none.
CREATE OR REPLACE VIEW audit.freshness AS
WITH latest AS (
    SELECT source, province_code, MAX(period_start) AS latest_start, MAX(finished_at) AS last_loaded_at
    FROM audit.batch_periods
    WHERE status = 'loaded'
    GROUP BY source, province_code
),
due AS (
    SELECT s.source, s.cadence, s.due_days, CAST(CURRENT_DATE - s.due_days AS DATE) AS due_by
    FROM audit.source_schedule AS s
),
expected AS (
    SELECT d.*,
           CASE d.cadence
               WHEN 'month' THEN CAST(CAST(DATE_TRUNC('month', d.due_by) AS DATE) - INTERVAL '1 month' AS DATE)
               WHEN 'half_year' THEN CAST(CAST(CAST(EXTRACT(YEAR FROM d.due_by) AS VARCHAR)
                                               || CASE WHEN EXTRACT(MONTH FROM d.due_by) <= 6 THEN '-01-01'
                                                       ELSE '-07-01' END AS DATE) - INTERVAL '6 months' AS DATE)
               ELSE CAST(CAST(EXTRACT(YEAR FROM d.due_by) - 1 AS VARCHAR) || '-01-01' AS DATE)
           END AS expected_start
    FROM due AS d
)
SELECT e.source, l.province_code, e.cadence, e.due_days, l.latest_start, l.last_loaded_at, e.expected_start,
       CASE WHEN l.latest_start IS NULL THEN 'missing'
            WHEN l.latest_start < e.expected_start THEN 'late'
            ELSE 'fresh' END AS status
FROM expected AS e
LEFT JOIN latest AS l ON l.source = e.source;

-- The alerts the daily health checks sent, so that a problem is reported once, not every day.
CREATE TABLE IF NOT EXISTS audit.alerts (
    alert_key  VARCHAR(500)  PRIMARY KEY,   -- kind and what it is about, e.g. source_late:portal:2026-10-01
    kind       VARCHAR(40)   NOT NULL,
    subject    VARCHAR(500)  NOT NULL,
    sent_at    TIMESTAMP     NOT NULL
);
