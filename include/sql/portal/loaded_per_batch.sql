-- Rows in core per batch of the month, for the load's accounting check.
SELECT batch_id, COUNT(*) AS rows_loaded
FROM core.fact_filing
WHERE export_month = :period_start
GROUP BY batch_id;
