-- Rows of each reference dimension (all versions).
SELECT (SELECT COUNT(*) FROM core.dim_unit), (SELECT COUNT(*) FROM core.dim_agency),
       (SELECT COUNT(*) FROM core.dim_procedure);
