-- Rows rejected from the files still in force for :half_year's periods, by source and reason.
SELECT b.source, r.reason, COUNT(DISTINCT CAST(r.source_row AS VARCHAR) || '/' || r.batch_id) AS rows_rejected
FROM audit.rejected_rows AS r
JOIN audit.half_year_batches AS b ON b.batch_id = r.batch_id AND b.status = 'loaded'
WHERE b.half_year = :half_year
GROUP BY b.source, r.reason
ORDER BY b.source, rows_rejected DESC, r.reason;
