-- Telecom indicators per half-year (DESIGN §4), long form like the other indicator marts. Each operator counts
-- with its latest month loaded within the half-year ("at the period's end"):
--   communes_with_fibre: communes valid on the half-year's last day where any operator reports fibre / all of them;
--   coverage_3g_4g_pct: per commune the best operator's 3G or 4G coverage; the province: the mean weighted by
--     the communes' population of the half-year's year (core.fact_population; absent until population is loaded);
--   bts_total, bts_2g, bts_3g, bts_4g, bts_5g: stations summed over operators.
CREATE OR REPLACE VIEW mart.telecom_indicators AS
WITH months AS (
    SELECT DISTINCT export_month, operator,
           CAST(EXTRACT(YEAR FROM export_month) AS VARCHAR)
               || CASE WHEN EXTRACT(MONTH FROM export_month) <= 6 THEN '-H1' ELSE '-H2' END AS half_year,
           CAST(CAST(EXTRACT(YEAR FROM export_month) AS VARCHAR)
               || CASE WHEN EXTRACT(MONTH FROM export_month) <= 6 THEN '-06-30' ELSE '-12-31' END AS DATE) AS last_day
    FROM core.fact_telecom_coverage
),
latest AS (
    SELECT half_year, last_day, operator, MAX(export_month) AS export_month
    FROM months
    GROUP BY half_year, last_day, operator
),
reported AS (
    SELECT l.half_year, l.last_day, t.*
    FROM latest AS l
    JOIN core.fact_telecom_coverage AS t ON t.operator = l.operator AND t.export_month = l.export_month
),
communes AS (
    SELECT DISTINCT r.half_year, r.last_day, u.unit_code AS commune_code
    FROM (SELECT DISTINCT half_year, last_day FROM latest) AS r
    JOIN core.dim_unit AS u
      ON u.unit_level = 'commune' AND u.valid_from <= r.last_day AND (u.valid_to IS NULL OR r.last_day < u.valid_to)
),
per_commune AS (
    SELECT c.half_year, c.last_day, c.commune_code,
           COALESCE(BOOL_OR(r.has_fibre), FALSE) AS has_fibre,
           MAX(GREATEST(r.coverage_3g_pct, r.coverage_4g_pct)) AS best_coverage
    FROM communes AS c
    LEFT JOIN reported AS r ON r.half_year = c.half_year AND r.commune_code = c.commune_code
    GROUP BY c.half_year, c.last_day, c.commune_code
),
weighted AS (
    SELECT p.half_year,
           SUM(p.best_coverage * pop.population) / NULLIF(SUM(pop.population), 0) AS coverage
    FROM per_commune AS p
    JOIN core.fact_population AS pop
      ON pop.commune_code = p.commune_code AND EXTRACT(YEAR FROM pop.period_start) = EXTRACT(YEAR FROM p.last_day)
    GROUP BY p.half_year
),
stations AS (
    SELECT half_year, SUM(bts_2g) AS g2, SUM(bts_3g) AS g3, SUM(bts_4g) AS g4, SUM(COALESCE(bts_5g, 0)) AS g5
    FROM reported
    GROUP BY half_year
),
measures AS (
    SELECT half_year, 'communes_with_fibre' AS indicator,
           CAST(SUM(CASE WHEN has_fibre THEN 1 ELSE 0 END) AS DOUBLE PRECISION) AS numerator,
           CAST(COUNT(*) AS DOUBLE PRECISION) AS denominator,
           CAST(ROUND(100.0 * SUM(CASE WHEN has_fibre THEN 1 ELSE 0 END) / COUNT(*), 1) AS DOUBLE PRECISION) AS rate
    FROM per_commune
    GROUP BY half_year
    UNION ALL
    SELECT half_year, 'coverage_3g_4g_pct', NULL, NULL, CAST(ROUND(CAST(coverage AS NUMERIC), 1) AS DOUBLE PRECISION)
    FROM weighted
    UNION ALL
    SELECT half_year, 'bts_total', CAST(g2 + g3 + g4 + g5 AS DOUBLE PRECISION), NULL, NULL FROM stations
    UNION ALL
    SELECT half_year, 'bts_2g', CAST(g2 AS DOUBLE PRECISION), NULL, NULL FROM stations
    UNION ALL
    SELECT half_year, 'bts_3g', CAST(g3 AS DOUBLE PRECISION), NULL, NULL FROM stations
    UNION ALL
    SELECT half_year, 'bts_4g', CAST(g4 AS DOUBLE PRECISION), NULL, NULL FROM stations
    UNION ALL
    SELECT half_year, 'bts_5g', CAST(g5 AS DOUBLE PRECISION), NULL, NULL FROM stations
)
SELECT half_year, indicator, 'province' AS scope, numerator, denominator, rate
FROM measures;
