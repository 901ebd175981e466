-- Filings just staged for the slice (one month of one province) whose id is already in core for a different
-- month of the same province (each province's portal numbers its own filings): a filing counts once, so these
-- rows are rejected, and dropped from staging before it replaces the slice. `staged` is the staging table,
-- named by the load (Warehouse.reject_found).
SELECT n.batch_id, n.source_row, n.filing_id
FROM staged AS n
JOIN core.fact_filing AS o
  ON o.filing_id = n.filing_id
 AND o.province_code = :province
 AND o.export_month <> :period_start
ORDER BY n.batch_id, n.source_row;
