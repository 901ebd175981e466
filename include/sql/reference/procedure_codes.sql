-- Every procedure code in the catalogue, any version.
SELECT DISTINCT procedure_code FROM core.dim_procedure ORDER BY procedure_code;
