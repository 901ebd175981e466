-- Where an agency's filings are in the portal's exports for a month and it also sent a summary
-- for that month, each count the two can both give, side by side (one row per agency, month and
-- measure). The indicators take the exports and leave such a summary out, so it never counts
-- twice; a row with matches = false is a mismatch for the agency to explain.
-- Received counts come from the month's export; resolved counts from the processed filings
-- (status 9 or 10) finished in the month, whatever export they came in.
CREATE OR REPLACE VIEW audit.portal_summary_reconciliation AS
WITH summary AS (
    SELECT summary_month, agency_code,
           SUM(received_online) AS received_online,
           SUM(received_in_person) AS received_in_person,
           SUM(received_by_post) AS received_by_post,
           SUM(resolved_early + resolved_on_time) AS resolved_in_time,
           SUM(resolved_late) AS resolved_late,
           SUM(fee_filings) AS fee_filings,
           SUM(paid_online) AS paid_online,
           SUM(digitised) AS digitised
    FROM core.fact_portal_summary
    GROUP BY summary_month, agency_code
),
exported AS (
    SELECT f.export_month AS summary_month, f.agency_code,
           COUNT(*) FILTER (WHERE f.channel = 2) AS received_online,
           COUNT(*) FILTER (WHERE f.channel = 1) AS received_in_person,
           COUNT(*) FILTER (WHERE f.channel = 3) AS received_by_post,
           COUNT(*) FILTER (WHERE f.has_fee) AS fee_filings,
           COUNT(*) FILTER (WHERE f.has_fee AND f.paid_online) AS paid_online,
           COUNT(*) FILTER (WHERE f.digitised) AS digitised
    FROM core.fact_filing AS f
    WHERE f.agency_code IN (SELECT agency_code FROM summary)
    GROUP BY f.export_month, f.agency_code
),
finished AS (
    SELECT CAST(DATE_TRUNC('month', f.finished_at) AS DATE) AS summary_month, f.agency_code,
           COUNT(*) FILTER (WHERE f.finished_at <= f.due_at) AS resolved_in_time,
           COUNT(*) FILTER (WHERE f.finished_at > f.due_at) AS resolved_late
    FROM core.fact_filing AS f
    WHERE f.status IN (9, 10) AND f.agency_code IN (SELECT agency_code FROM summary)
    GROUP BY CAST(DATE_TRUNC('month', f.finished_at) AS DATE), f.agency_code
),
pairs AS (
    SELECT s.summary_month, s.agency_code,
           s.received_online AS s_online, e.received_online AS e_online,
           s.received_in_person AS s_in_person, e.received_in_person AS e_in_person,
           s.received_by_post AS s_post, e.received_by_post AS e_post,
           s.resolved_in_time AS s_in_time, COALESCE(d.resolved_in_time, 0) AS e_in_time,
           s.resolved_late AS s_late, COALESCE(d.resolved_late, 0) AS e_late,
           s.fee_filings AS s_fee, e.fee_filings AS e_fee,
           s.paid_online AS s_paid, e.paid_online AS e_paid,
           s.digitised AS s_digitised, e.digitised AS e_digitised
    FROM summary AS s
    JOIN exported AS e ON e.summary_month = s.summary_month AND e.agency_code = s.agency_code
    LEFT JOIN finished AS d ON d.summary_month = s.summary_month AND d.agency_code = s.agency_code
),
measures AS (
    SELECT summary_month, agency_code, 1 AS position, 'received_online' AS measure, s_online AS in_summary, e_online AS in_exports FROM pairs
    UNION ALL SELECT summary_month, agency_code, 2, 'received_in_person', s_in_person, e_in_person FROM pairs
    UNION ALL SELECT summary_month, agency_code, 3, 'received_by_post', s_post, e_post FROM pairs
    UNION ALL SELECT summary_month, agency_code, 4, 'resolved_in_time', s_in_time, e_in_time FROM pairs
    UNION ALL SELECT summary_month, agency_code, 5, 'resolved_late', s_late, e_late FROM pairs
    UNION ALL SELECT summary_month, agency_code, 6, 'fee_filings', s_fee, e_fee FROM pairs
    UNION ALL SELECT summary_month, agency_code, 7, 'paid_online', s_paid, e_paid FROM pairs
    UNION ALL SELECT summary_month, agency_code, 8, 'digitised', s_digitised, e_digitised FROM pairs
)
SELECT summary_month, agency_code, position, measure,
       CAST(in_summary AS BIGINT) AS in_summary,
       CAST(in_exports AS BIGINT) AS in_exports,
       CAST(in_summary - in_exports AS BIGINT) AS difference,
       in_summary = in_exports AS matches
FROM measures;
