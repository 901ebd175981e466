-- Every source against its schedule, per province that has loaded it (audit.freshness), for the daily health check.
SELECT source, province_code, cadence, CAST(expected_start AS VARCHAR) AS expected_start,
       CAST(latest_start AS VARCHAR) AS latest_start, status
FROM audit.freshness
ORDER BY source, province_code;
