-- Every agency code, any version: a filing may name an agency valid at its date.
SELECT DISTINCT agency_code FROM core.dim_agency ORDER BY agency_code;
