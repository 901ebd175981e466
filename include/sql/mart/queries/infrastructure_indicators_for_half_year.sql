-- The digital-infrastructure indicators of one half-year (:half_year, e.g. '2022-H1'), in report order: the
-- province first, then each district-level unit.
SELECT indicator, scope, scope_key, numerator, denominator, rate
FROM mart.infrastructure_indicators
WHERE half_year = :half_year
ORDER BY CASE scope WHEN 'province' THEN 0 ELSE 1 END, scope_key,
         CASE indicator WHEN 'postal_points' THEN 0 WHEN 'people_per_postal_point' THEN 1
                        WHEN 'postal_radius_km' THEN 2 WHEN 'households_with_smartphone' THEN 3 ELSE 4 END;
