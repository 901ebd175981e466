-- The reasons rows of a source's period of a province were rejected, most frequent first.
SELECT reason, CAST(SUM(rows_rejected) AS BIGINT) AS n
FROM audit.rejections_by_reason
WHERE source = :source AND period = :period AND province_code = :province
GROUP BY reason
ORDER BY n DESC, reason;
