-- Digital-infrastructure indicators per half-year (DESIGN §4), long form like mart.institutional_indicators,
-- for the province (scope 'province') and each district-level unit (scope 'district', scope_key its code; a
-- commune counts in the district it belongs to on the half-year's last day):
--   postal_points: points of the half-year's postal register active on its last day;
--   people_per_postal_point: population of the half-year's year / active points (a whole number);
--   postal_radius_km: sqrt(area / (pi * active points)), two decimals (numerator holds it; no denominator);
--   households_with_smartphone / households_with_fibre: households with / households surveyed, % one decimal.
-- A measure appears once the sources behind it are loaded for the half-year.
CREATE OR REPLACE VIEW mart.infrastructure_indicators AS
WITH halves AS (
    SELECT snapshot_half AS first_day FROM core.fact_postal_point
    UNION
    SELECT snapshot_half FROM core.fact_household_survey
),
spans AS (
    SELECT c.first_day, c.half_year, c.last_day
    FROM core.half_years AS c
    WHERE c.first_day IN (SELECT first_day FROM halves)
),
districts AS (
    SELECT s.half_year, s.first_day, s.last_day, u.unit_code AS commune_code, u.parent_code AS district_code
    FROM spans AS s
    JOIN core.dim_unit AS u
      ON u.unit_level = 'commune' AND u.valid_from <= s.last_day AND (u.valid_to IS NULL OR s.last_day < u.valid_to)
),
points AS (
    SELECT d.half_year, d.district_code, COUNT(*) AS active
    FROM districts AS d
    JOIN core.fact_postal_point AS p
      ON p.snapshot_half = d.first_day AND p.commune_code = d.commune_code
     AND p.active_from <= d.last_day AND (p.active_to IS NULL OR p.active_to > d.last_day)
    GROUP BY GROUPING SETS ((d.half_year), (d.half_year, d.district_code))
),
people AS (
    SELECT d.half_year, d.district_code, SUM(pop.population) AS population, SUM(pop.area_km2) AS area_km2
    FROM districts AS d
    JOIN core.fact_population AS pop
      ON pop.commune_code = d.commune_code AND EXTRACT(YEAR FROM pop.period_start) = EXTRACT(YEAR FROM d.last_day)
    GROUP BY GROUPING SETS ((d.half_year), (d.half_year, d.district_code))
),
survey AS (
    SELECT d.half_year, d.district_code, SUM(h.households) AS households,
           SUM(h.households_with_smartphone) AS with_smartphone, SUM(h.households_with_fibre) AS with_fibre
    FROM districts AS d
    JOIN core.fact_household_survey AS h ON h.snapshot_half = d.first_day AND h.commune_code = d.commune_code
    GROUP BY GROUPING SETS ((d.half_year), (d.half_year, d.district_code))
),
measures AS (
    SELECT half_year, district_code, 'postal_points' AS indicator, CAST(active AS DOUBLE PRECISION) AS numerator,
           CAST(NULL AS DOUBLE PRECISION) AS denominator, CAST(NULL AS DOUBLE PRECISION) AS rate
    FROM points
    UNION ALL
    SELECT p.half_year, p.district_code, 'people_per_postal_point',
           CAST(ROUND(CAST(pe.population AS NUMERIC) / p.active, 0) AS DOUBLE PRECISION), NULL, NULL
    FROM points AS p
    JOIN people AS pe ON pe.half_year = p.half_year AND pe.district_code IS NOT DISTINCT FROM p.district_code
    UNION ALL
    SELECT p.half_year, p.district_code, 'postal_radius_km',
           CAST(ROUND(CAST(SQRT(pe.area_km2 / (PI() * p.active)) AS NUMERIC), 2) AS DOUBLE PRECISION), NULL, NULL
    FROM points AS p
    JOIN people AS pe ON pe.half_year = p.half_year AND pe.district_code IS NOT DISTINCT FROM p.district_code
    UNION ALL
    SELECT half_year, district_code, 'households_with_smartphone', with_smartphone, households,
           CAST(ROUND(100.0 * with_smartphone / NULLIF(households, 0), 1) AS DOUBLE PRECISION)
    FROM survey
    UNION ALL
    SELECT half_year, district_code, 'households_with_fibre', with_fibre, households,
           CAST(ROUND(100.0 * with_fibre / NULLIF(households, 0), 1) AS DOUBLE PRECISION)
    FROM survey
)
SELECT m.half_year, m.indicator,
       CASE WHEN m.district_code IS NULL THEN 'province' ELSE 'district' END AS scope,
       m.district_code AS scope_key,
       m.numerator, m.denominator, m.rate
FROM measures AS m
-- a commune whose parent is not a district-level unit (after 1 July 2025, the province) has no district row
WHERE m.district_code IS NULL
   OR EXISTS (SELECT 1 FROM core.half_year_districts AS d
              WHERE d.half_year = m.half_year AND d.district_code = m.district_code);
