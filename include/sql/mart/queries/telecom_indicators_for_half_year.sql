-- The telecom indicators of one half-year (:half_year, e.g. '2022-H1'), in report order: the province first,
-- then each district-level unit.
SELECT indicator, scope, scope_key, numerator, denominator, rate
FROM mart.telecom_indicators
WHERE half_year = :half_year
ORDER BY CASE scope WHEN 'province' THEN 0 ELSE 1 END, scope_key,
         CASE indicator WHEN 'communes_with_fibre' THEN 0 WHEN 'coverage_3g_4g_pct' THEN 1 WHEN 'bts_total' THEN 2
                        ELSE 3 END,
         indicator;
