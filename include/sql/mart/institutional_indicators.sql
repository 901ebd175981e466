-- Institutional indicators per half-year (DESIGN §4), in long form: one row per (half_year, indicator,
-- scope) with its numerator, denominator and rate (%).
--   units_with_dx_plan (so_nganh, huyen) / units_with_dx_committee (huyen, xa), by agency kind: agencies of that kind
--     valid on the half-year's last day (core.dim_agency: 22, 11 and 172 in 2022) whose row in the register
--     snapshot sent for the half-year has a plan (a committee decision) dated on or before that day;
--   directive_documents (scope province): documents in the snapshot issued within the half-year.
--   and, by district (scope 'district', scope_key its code), commune-level units with a committee.
-- A half-year appears once its register has been loaded.
CREATE OR REPLACE VIEW mart.institutional_indicators AS
WITH halves AS (
    SELECT snapshot_half AS first_day FROM core.fact_dx_readiness
    UNION
    SELECT snapshot_half FROM core.fact_directive
),
spans AS (
    SELECT c.first_day, c.half_year, c.last_day
    FROM core.half_years AS c
    WHERE c.first_day IN (SELECT first_day FROM halves)
),
agencies AS (
    -- with the district of a commune People's Committee's commune on the last day (for the district rows)
    SELECT s.first_day, s.half_year, s.last_day, a.agency_code, a.agency_kind,
           CASE WHEN a.agency_kind = 'xa' THEN u.parent_code END AS district_code
    FROM spans AS s
    JOIN core.dim_agency AS a
      ON a.valid_from <= s.last_day AND (a.valid_to IS NULL OR s.last_day < a.valid_to)
    LEFT JOIN core.dim_unit AS u
      ON u.unit_code = a.unit_code AND u.valid_from <= s.last_day AND (u.valid_to IS NULL OR s.last_day < u.valid_to)
    WHERE s.first_day IN (SELECT snapshot_half FROM core.fact_dx_readiness)
),
readiness AS (
    SELECT g.half_year, g.agency_kind, g.district_code,
           GROUPING(g.district_code) = 0 AS by_district,  -- a department's group has a NULL district too
           COUNT(*) AS units,
           COUNT(*) FILTER (WHERE r.has_dx_plan AND r.plan_issued_on <= g.last_day) AS with_plan,
           COUNT(*) FILTER (WHERE r.has_dx_committee AND r.committee_decided_on <= g.last_day) AS with_committee
    FROM agencies AS g
    LEFT JOIN core.fact_dx_readiness AS r
      ON r.snapshot_half = g.first_day AND r.agency_code = g.agency_code
    GROUP BY GROUPING SETS ((g.half_year, g.agency_kind), (g.half_year, g.agency_kind, g.district_code))
),
documents AS (
    SELECT s.half_year, COUNT(d.document_number) AS issued
    FROM spans AS s
    LEFT JOIN core.fact_directive AS d
      ON d.snapshot_half = s.first_day AND d.issued_on >= s.first_day AND d.issued_on <= s.last_day
    WHERE s.first_day IN (SELECT snapshot_half FROM core.fact_directive)
    GROUP BY s.half_year
),
measures AS (
    SELECT half_year, 'units_with_dx_plan' AS indicator, agency_kind AS scope, CAST(NULL AS VARCHAR) AS scope_key,
           with_plan AS numerator, units AS denominator
    FROM readiness
    WHERE agency_kind IN ('so_nganh', 'huyen') AND NOT by_district  -- DESIGN §4: departments', districts' plans
    UNION ALL
    SELECT half_year, 'units_with_dx_committee', agency_kind, NULL, with_committee, units
    FROM readiness
    WHERE agency_kind IN ('huyen', 'xa') AND NOT by_district        -- district and commune committees
    UNION ALL
    SELECT half_year, 'units_with_dx_committee', 'district', district_code, with_committee, units
    FROM readiness
    WHERE agency_kind = 'xa' AND by_district AND district_code IS NOT NULL  -- communes' committees by district
    UNION ALL
    SELECT half_year, 'directive_documents', 'province', NULL, issued, NULL
    FROM documents
)
SELECT m.half_year, m.indicator, m.scope, m.scope_key, m.numerator, m.denominator,
       ROUND(100.0 * m.numerator / NULLIF(m.denominator, 0), 1) AS rate
FROM measures AS m
-- a commune whose parent is not a district-level unit (after 1 July 2025, the province) has no district row
WHERE m.scope_key IS NULL
   OR EXISTS (SELECT 1 FROM core.half_year_districts AS d
              WHERE d.half_year = m.half_year AND d.district_code = m.scope_key);
