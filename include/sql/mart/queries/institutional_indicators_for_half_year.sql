-- The institutional indicators of one half-year (:half_year, e.g. '2022-H1'), in report order.
SELECT indicator, scope, scope_key, numerator, denominator, rate
FROM mart.institutional_indicators
WHERE half_year = :half_year
ORDER BY CASE indicator WHEN 'directive_documents' THEN 0 WHEN 'units_with_dx_plan' THEN 1 ELSE 2 END,
         CASE scope WHEN 'province' THEN 0 WHEN 'so_nganh' THEN 1 WHEN 'huyen' THEN 2 WHEN 'xa' THEN 3 ELSE 4 END,
         scope_key;
