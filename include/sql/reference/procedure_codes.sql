-- Procedure codes with a version valid at some time in the period [:period_start, :period_end).
SELECT DISTINCT procedure_code FROM core.dim_procedure
WHERE valid_from < :period_end AND (valid_to IS NULL OR valid_to > :period_start)
ORDER BY procedure_code;
