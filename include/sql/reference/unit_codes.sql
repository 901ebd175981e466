-- Every administrative unit code, any version.
SELECT DISTINCT unit_code FROM core.dim_unit ORDER BY unit_code;
