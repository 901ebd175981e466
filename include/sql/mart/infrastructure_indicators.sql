-- Digital-infrastructure indicators per half-year (DESIGN §4), long form like mart.institutional_indicators:
--   postal_points: points of the half-year's postal register active on its last day;
--   people_per_postal_point: population of the half-year's year / active points (a whole number);
--   postal_radius_km: sqrt(area / (pi * active points)), two decimals (numerator holds it; no denominator);
--   households_with_smartphone / households_with_fibre: households with / households surveyed, % one decimal.
-- Province scope. A measure appears once the sources behind it are loaded for the half-year.
CREATE OR REPLACE VIEW mart.infrastructure_indicators AS
WITH halves AS (
    SELECT snapshot_half AS first_day FROM core.fact_postal_point
    UNION
    SELECT snapshot_half FROM core.fact_household_survey
),
spans AS (
    SELECT first_day,
           CAST(EXTRACT(YEAR FROM first_day) AS VARCHAR)
               || CASE WHEN EXTRACT(MONTH FROM first_day) <= 6 THEN '-H1' ELSE '-H2' END AS half_year,
           CAST(CAST(EXTRACT(YEAR FROM first_day) AS VARCHAR)
               || CASE WHEN EXTRACT(MONTH FROM first_day) <= 6 THEN '-06-30' ELSE '-12-31' END AS DATE) AS last_day
    FROM halves
),
points AS (
    SELECT s.half_year, s.last_day, COUNT(*) AS active
    FROM spans AS s
    JOIN core.fact_postal_point AS p
      ON p.snapshot_half = s.first_day
     AND p.active_from <= s.last_day AND (p.active_to IS NULL OR p.active_to > s.last_day)
    GROUP BY s.half_year, s.last_day
),
people AS (
    SELECT EXTRACT(YEAR FROM period_start) AS year, SUM(population) AS population, SUM(area_km2) AS area_km2
    FROM core.fact_population
    GROUP BY EXTRACT(YEAR FROM period_start)
),
survey AS (
    SELECT s.half_year, SUM(h.households) AS households,
           SUM(h.households_with_smartphone) AS with_smartphone, SUM(h.households_with_fibre) AS with_fibre
    FROM spans AS s
    JOIN core.fact_household_survey AS h ON h.snapshot_half = s.first_day
    GROUP BY s.half_year
),
measures AS (
    SELECT half_year, 'postal_points' AS indicator, CAST(active AS DOUBLE PRECISION) AS numerator,
           CAST(NULL AS DOUBLE PRECISION) AS denominator, CAST(NULL AS DOUBLE PRECISION) AS rate
    FROM points
    UNION ALL
    SELECT p.half_year, 'people_per_postal_point', CAST(ROUND(CAST(pe.population AS NUMERIC) / p.active, 0)
           AS DOUBLE PRECISION), NULL, NULL
    FROM points AS p JOIN people AS pe ON pe.year = EXTRACT(YEAR FROM p.last_day)
    UNION ALL
    SELECT p.half_year, 'postal_radius_km',
           CAST(ROUND(CAST(SQRT(pe.area_km2 / (PI() * p.active)) AS NUMERIC), 2) AS DOUBLE PRECISION), NULL, NULL
    FROM points AS p JOIN people AS pe ON pe.year = EXTRACT(YEAR FROM p.last_day)
    UNION ALL
    SELECT half_year, 'households_with_smartphone', with_smartphone, households,
           CAST(ROUND(100.0 * with_smartphone / NULLIF(households, 0), 1) AS DOUBLE PRECISION)
    FROM survey
    UNION ALL
    SELECT half_year, 'households_with_fibre', with_fibre, households,
           CAST(ROUND(100.0 * with_fibre / NULLIF(households, 0), 1) AS DOUBLE PRECISION)
    FROM survey
)
SELECT half_year, indicator, 'province' AS scope, numerator, denominator, rate
FROM measures;
