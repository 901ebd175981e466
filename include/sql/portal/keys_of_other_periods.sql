-- Filings of the month just written whose id is already in core for a different month of the same
-- province (each province's portal numbers its own filings): a filing counts once, so these rows are
-- rejected (and deleted again before commit).
SELECT n.batch_id, n.source_row, n.filing_id
FROM core.fact_filing AS n
JOIN core.fact_filing AS o
  ON o.filing_id = n.filing_id
 AND o.province_code = n.province_code
 AND o.export_month <> :period_start
WHERE n.export_month = :period_start
  AND n.province_code = :province
ORDER BY n.batch_id, n.source_row;
