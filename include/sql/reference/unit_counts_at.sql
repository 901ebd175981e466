-- Administrative units per level in force on :on_day (a report counts against the units valid at the
-- end of its period), with how many of them come from unverified sources.
SELECT unit_level,
       COUNT(*) AS units,
       SUM(CASE WHEN verified THEN 0 ELSE 1 END) AS unverified
FROM core.dim_unit
WHERE valid_from <= :on_day AND (valid_to IS NULL OR :on_day < valid_to)
GROUP BY unit_level
ORDER BY unit_level;
