-- A batch's three most frequent rejection reasons, for the message that refuses a mostly rejected file.
SELECT reason, COUNT(DISTINCT source_row) AS rows_rejected
FROM audit.rejected_rows
WHERE batch_id = :batch_id
GROUP BY reason
ORDER BY rows_rejected DESC, reason
LIMIT 3;
