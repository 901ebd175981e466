-- Half-years 2000-2100 with their label and bounds: the one place the marts turn a date into a half-year.
CREATE OR REPLACE VIEW core.half_years AS
SELECT CAST(y AS VARCHAR) || '-H' || CAST(h AS VARCHAR) AS half_year,
       CAST(CAST(y AS VARCHAR) || CASE h WHEN 1 THEN '-01-01' ELSE '-07-01' END AS DATE) AS first_day,
       CAST(CAST(y AS VARCHAR) || CASE h WHEN 1 THEN '-06-30' ELSE '-12-31' END AS DATE) AS last_day
FROM generate_series(2000, 2100) AS g(y)
CROSS JOIN (VALUES (1), (2)) AS p(h);
