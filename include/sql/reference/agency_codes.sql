-- Agency codes with a version valid at some time in the period [:period_start, :period_end).
SELECT DISTINCT agency_code FROM core.dim_agency
WHERE valid_from < :period_end AND (valid_to IS NULL OR valid_to > :period_start)
ORDER BY agency_code;
