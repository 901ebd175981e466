-- Sources whose due period has not been loaded (audit.freshness), for the daily health check.
SELECT source, cadence, CAST(expected_start AS VARCHAR) AS expected_start,
       CAST(latest_start AS VARCHAR) AS latest_start, status
FROM audit.freshness
WHERE status <> 'fresh'
ORDER BY source;
