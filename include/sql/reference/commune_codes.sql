-- Commune codes with a version valid at some time in the period [:period_start, :period_end).
SELECT DISTINCT unit_code FROM core.dim_unit
WHERE unit_level = 'commune'
  AND valid_from < :period_end AND (valid_to IS NULL OR valid_to > :period_start)
ORDER BY unit_code;
