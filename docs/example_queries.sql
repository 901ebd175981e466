-- Example queries for analysts. Each runs unchanged on DuckDB and PostgreSQL (tests/test_data_dictionary.py runs
-- them on both). Columns are described in docs/data_dictionary.md. Each query: a "-- name:" line, a comment line
-- saying what it answers, then the SQL, with a blank line before the next.

-- name: online_filing_rate_by_agency_kind
-- What share of filings each kind of agency received online in 2022-H1, with the counts behind the rate.
SELECT agency_kind, filings_received, received_online, online_filing_rate
FROM mart.filing_indicators
WHERE half_year = '2022-H1' AND scope = 'agency_kind'
ORDER BY agency_kind;

-- name: online_filing_rate_against_target
-- How the province's and each agency kind's online filing rate in 2022-H1 compares with the 2022 target.
SELECT f.scope_key, f.online_filing_rate, t.target_pct,
       COALESCE(f.online_filing_rate >= t.target_pct, FALSE) AS on_track
FROM mart.filing_indicators AS f
JOIN core.fact_target AS t
  ON t.snapshot_half = DATE '2022-01-01' AND t.year = 2022 AND t.indicator = 'online_filing_rate'
 AND t.scope = f.scope_key
WHERE f.half_year = '2022-H1' AND f.scope IN ('province', 'agency_kind')
ORDER BY f.scope_key;

-- name: departments_with_lowest_on_time_rate
-- Which ten departments processed the smallest share of their filings on time in 2022-H1.
SELECT agency_code, agency_name, filings_processed, processed_on_time, on_time_rate
FROM mart.filing_indicators
WHERE half_year = '2022-H1' AND scope = 'agency' AND agency_kind = 'so_nganh' AND filings_processed > 0
ORDER BY on_time_rate, agency_code
LIMIT 10;

-- name: monthly_filings_received_online
-- How many filings the portal's exports received each month, and how many of them online (summaries not included).
SELECT CAST(EXTRACT(YEAR FROM received_at) AS INTEGER) AS year,
       CAST(EXTRACT(MONTH FROM received_at) AS INTEGER) AS month,
       COUNT(*) AS filings_received,
       COUNT(*) FILTER (WHERE channel = 2) AS received_online,
       ROUND(100.0 * COUNT(*) FILTER (WHERE channel = 2) / COUNT(*), 1) AS online_rate
FROM core.fact_filing
GROUP BY EXTRACT(YEAR FROM received_at), EXTRACT(MONTH FROM received_at)
ORDER BY year, month;

-- name: units_with_dx_plan
-- How many departments and district-level units had a digital-transformation plan in each half-year loaded.
SELECT half_year, scope AS agency_kind, numerator AS units_with_plan, denominator AS units, rate
FROM mart.institutional_indicators
WHERE indicator = 'units_with_dx_plan'
ORDER BY half_year, agency_kind;

-- name: departments_without_dx_plan
-- Which departments valid on 30 June 2022 had no plan dated by then in the 2022-H1 register.
SELECT a.agency_code, a.agency_name, r.has_dx_plan, r.plan_issued_on
FROM core.dim_agency AS a
LEFT JOIN core.fact_dx_readiness AS r
  ON r.agency_code = a.agency_code AND r.snapshot_half = DATE '2022-01-01'
WHERE a.agency_kind = 'so_nganh'
  AND a.valid_from <= DATE '2022-06-30' AND (a.valid_to IS NULL OR DATE '2022-06-30' < a.valid_to)
  AND NOT COALESCE(r.has_dx_plan AND r.plan_issued_on <= DATE '2022-06-30', FALSE)
ORDER BY a.agency_code;

-- name: district_fibre_and_coverage
-- Per district in 2022-H1: communes with fibre out of all communes, and the population-weighted 3G/4G coverage.
SELECT d.district_code, d.district_name,
       MAX(t.numerator) FILTER (WHERE t.indicator = 'communes_with_fibre') AS communes_with_fibre,
       MAX(t.denominator) FILTER (WHERE t.indicator = 'communes_with_fibre') AS communes,
       MAX(t.rate) FILTER (WHERE t.indicator = 'communes_with_fibre') AS fibre_rate,
       MAX(t.rate) FILTER (WHERE t.indicator = 'coverage_3g_4g_pct') AS coverage_3g_4g_pct
FROM mart.telecom_indicators AS t
JOIN core.half_year_districts AS d ON d.half_year = t.half_year AND d.district_code = t.scope_key
WHERE t.half_year = '2022-H1' AND t.scope = 'district'
GROUP BY d.district_code, d.district_name
ORDER BY d.district_code;

-- name: people_per_postal_point_by_district
-- Per district in 2022-H1: active postal points, people per point and service radius, most people per point first.
SELECT d.district_code, d.district_name,
       MAX(i.numerator) FILTER (WHERE i.indicator = 'postal_points') AS postal_points,
       MAX(i.numerator) FILTER (WHERE i.indicator = 'people_per_postal_point') AS people_per_postal_point,
       MAX(i.numerator) FILTER (WHERE i.indicator = 'postal_radius_km') AS postal_radius_km
FROM mart.infrastructure_indicators AS i
JOIN core.half_year_districts AS d ON d.half_year = i.half_year AND d.district_code = i.scope_key
WHERE i.half_year = '2022-H1' AND i.scope = 'district'
GROUP BY d.district_code, d.district_name
ORDER BY people_per_postal_point DESC, d.district_code;

-- name: rejected_rows_by_reason
-- Why rows were rejected from the files now in force, per source and period, the most frequent reason first.
SELECT b.source, b.period, r.check_name, r.reason,
       COUNT(DISTINCT CAST(r.source_row AS VARCHAR) || '/' || r.batch_id) AS rows_rejected
FROM audit.rejected_rows AS r
JOIN audit.batches AS b ON b.batch_id = r.batch_id
WHERE b.status = 'loaded'
GROUP BY b.source, b.period, r.check_name, r.reason
ORDER BY rows_rejected DESC, b.source, b.period, r.check_name, r.reason;

-- name: communes_with_their_district_on_a_date
-- Each commune as in force on 30 June 2022, with the district-level unit it belonged to on that day.
SELECT c.unit_code AS commune_code, c.unit_name AS commune_name, c.unit_type,
       d.unit_code AS district_code, d.unit_name AS district_name, c.valid_from, c.valid_to
FROM core.dim_unit AS c
LEFT JOIN core.dim_unit AS d
  ON d.unit_code = c.parent_code
 AND d.valid_from <= DATE '2022-06-30' AND (d.valid_to IS NULL OR DATE '2022-06-30' < d.valid_to)
WHERE c.unit_level = 'commune'
  AND c.valid_from <= DATE '2022-06-30' AND (c.valid_to IS NULL OR DATE '2022-06-30' < c.valid_to)
ORDER BY d.unit_code, c.unit_code;
