-- The reasons rows of a source's period were rejected, most frequent first.
SELECT reason, CAST(SUM(rows_rejected) AS BIGINT) AS n
FROM audit.rejections_by_reason
WHERE source = :source AND period = :period
GROUP BY reason
ORDER BY n DESC, reason;
