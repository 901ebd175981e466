-- Staged filings whose id is already in core for a different month: a filing counts once.
SELECT k.batch_id, k.source_row
FROM staging.portal_filing_keys AS k
JOIN core.fact_filing AS f
  ON f.filing_id = k.filing_id
 AND f.export_month <> k.period_start
WHERE k.period_start = :period_start
ORDER BY k.batch_id, k.source_row;
