-- Telecom indicators per half-year (DESIGN §4), long form like the other indicator marts, for the province and
-- each district-level unit (scope 'district', scope_key its code; a commune counts in the district it belongs
-- to on the half-year's last day). Each operator counts with its latest month loaded within the half-year
-- ("at the period's end"):
--   communes_with_fibre: communes valid on the half-year's last day where any operator reports fibre / all of them;
--   coverage_3g_4g_pct: per commune the best operator's 3G or 4G coverage; the province: the mean weighted by
--     the communes' population of the half-year's year (core.fact_population; absent until population is loaded);
--   bts_total, bts_2g, bts_3g, bts_4g, bts_5g: stations summed over operators.
CREATE OR REPLACE VIEW mart.telecom_indicators AS
WITH months AS (
    SELECT DISTINCT t.export_month, t.operator, c.half_year, c.last_day
    FROM core.fact_telecom_coverage AS t
    JOIN core.half_years AS c ON t.export_month BETWEEN c.first_day AND c.last_day
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
    SELECT DISTINCT r.half_year, r.last_day, u.unit_code AS commune_code, u.parent_code AS district_code
    FROM (SELECT DISTINCT half_year, last_day FROM latest) AS r
    JOIN core.dim_unit AS u
      ON u.unit_level = 'commune' AND u.valid_from <= r.last_day AND (u.valid_to IS NULL OR r.last_day < u.valid_to)
),
per_commune AS (
    SELECT c.half_year, c.last_day, c.commune_code, c.district_code,
           COALESCE(BOOL_OR(r.has_fibre), FALSE) AS has_fibre,
           MAX(GREATEST(r.coverage_3g_pct, r.coverage_4g_pct)) AS best_coverage
    FROM communes AS c
    LEFT JOIN reported AS r ON r.half_year = c.half_year AND r.commune_code = c.commune_code
    GROUP BY c.half_year, c.last_day, c.commune_code, c.district_code
),
fibre AS (
    SELECT half_year, district_code, SUM(CASE WHEN has_fibre THEN 1 ELSE 0 END) AS with_fibre, COUNT(*) AS communes
    FROM per_commune
    GROUP BY GROUPING SETS ((half_year), (half_year, district_code))
),
weighted AS (
    SELECT p.half_year, p.district_code,
           SUM(p.best_coverage * pop.population) / NULLIF(SUM(pop.population), 0) AS coverage
    FROM per_commune AS p
    JOIN core.fact_population AS pop
      ON pop.commune_code = p.commune_code AND EXTRACT(YEAR FROM pop.period_start) = EXTRACT(YEAR FROM p.last_day)
    GROUP BY GROUPING SETS ((p.half_year), (p.half_year, p.district_code))
),
stations AS (
    SELECT r.half_year, c.district_code, SUM(r.bts_2g) AS g2, SUM(r.bts_3g) AS g3, SUM(r.bts_4g) AS g4,
           SUM(COALESCE(r.bts_5g, 0)) AS g5
    FROM reported AS r
    JOIN communes AS c ON c.half_year = r.half_year AND c.commune_code = r.commune_code
    GROUP BY GROUPING SETS ((r.half_year), (r.half_year, c.district_code))
),
measures AS (
    SELECT half_year, district_code, 'communes_with_fibre' AS indicator,
           CAST(with_fibre AS DOUBLE PRECISION) AS numerator, CAST(communes AS DOUBLE PRECISION) AS denominator,
           CAST(ROUND(100.0 * with_fibre / communes, 1) AS DOUBLE PRECISION) AS rate
    FROM fibre
    UNION ALL
    SELECT half_year, district_code, 'coverage_3g_4g_pct', NULL, NULL,
           CAST(ROUND(CAST(coverage AS NUMERIC), 1) AS DOUBLE PRECISION)
    FROM weighted
    UNION ALL
    SELECT half_year, district_code, 'bts_total', CAST(g2 + g3 + g4 + g5 AS DOUBLE PRECISION), NULL, NULL FROM stations
    UNION ALL
    SELECT half_year, district_code, 'bts_2g', CAST(g2 AS DOUBLE PRECISION), NULL, NULL FROM stations
    UNION ALL
    SELECT half_year, district_code, 'bts_3g', CAST(g3 AS DOUBLE PRECISION), NULL, NULL FROM stations
    UNION ALL
    SELECT half_year, district_code, 'bts_4g', CAST(g4 AS DOUBLE PRECISION), NULL, NULL FROM stations
    UNION ALL
    SELECT half_year, district_code, 'bts_5g', CAST(g5 AS DOUBLE PRECISION), NULL, NULL FROM stations
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
