-- Filings received and received online per month from :first_month to :last_month (dates of first days), from the
-- exports and, for agencies not in a month's export, their summaries (as mart.filing_indicators counts them).
WITH exported AS (
    SELECT export_month AS month, COUNT(*) AS received, COUNT(*) FILTER (WHERE channel = 2) AS online
    FROM core.fact_filing
    WHERE export_month BETWEEN :first_month AND :last_month
    GROUP BY export_month
),
exported_agencies AS (
    SELECT DISTINCT export_month, agency_code
    FROM core.fact_filing
    WHERE export_month BETWEEN :first_month AND :last_month
),
summarised AS (
    SELECT s.summary_month AS month,
           SUM(s.received_online + s.received_in_person + s.received_by_post) AS received,
           SUM(s.received_online) AS online
    FROM core.fact_portal_summary AS s
    LEFT JOIN exported_agencies AS e ON e.export_month = s.summary_month AND e.agency_code = s.agency_code
    WHERE s.summary_month BETWEEN :first_month AND :last_month AND e.agency_code IS NULL
    GROUP BY s.summary_month
),
together AS (
    SELECT month, received, online FROM exported
    UNION ALL
    SELECT month, received, online FROM summarised
)
SELECT month, CAST(SUM(received) AS BIGINT) AS received, CAST(SUM(online) AS BIGINT) AS online
FROM together
GROUP BY month
ORDER BY month;
