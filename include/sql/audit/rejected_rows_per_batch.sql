-- Per batch of a load: rejections recorded (a row may fail several checks) and the distinct rows they reject.
SELECT batch_id, COUNT(*) AS entries, COUNT(DISTINCT source_row) AS rows_rejected
FROM audit.rejected_rows
WHERE batch_id IN :batch_ids
GROUP BY batch_id;
