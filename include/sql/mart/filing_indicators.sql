-- Online public-service indicators per half-year (DESIGN §4), for the province, by agency kind
-- (so_nganh department, huyen district, xa commune) and by agency, with the counts behind
-- every rate. A filing counts in the half-year of its reception; a processed filing (status 9
-- or 10) in the half-year of its finish. Agencies are taken in the version valid on the
-- filing's reception date (a filing whose agency has no version then counts under kind
-- 'unknown', so totals never lose it); the catalogue in the version valid on the half-year's
-- last day. The full-process rate uses the level the filing was offered at (its own
-- service_level), since a procedure's level can change within the half-year. Agencies that
-- offer services online but received no filing still get a row (0 of N services used).
CREATE OR REPLACE VIEW mart.filing_indicators AS
WITH filings AS (
    SELECT f.*,
           COALESCE(a.agency_kind, 'unknown') AS agency_kind,
           CAST(EXTRACT(YEAR FROM f.received_at) AS VARCHAR)
               || CASE WHEN EXTRACT(MONTH FROM f.received_at) <= 6 THEN '-H1' ELSE '-H2' END AS received_half,
           CAST(EXTRACT(YEAR FROM f.finished_at) AS VARCHAR)
               || CASE WHEN EXTRACT(MONTH FROM f.finished_at) <= 6 THEN '-H1' ELSE '-H2' END AS finished_half
    FROM core.fact_filing AS f
    LEFT JOIN core.dim_agency AS a
      ON a.agency_code = f.agency_code
     AND a.valid_from <= CAST(f.received_at AS DATE)
     AND (a.valid_to IS NULL OR CAST(f.received_at AS DATE) < a.valid_to)
),
received AS (
    SELECT received_half AS half_year,
           CASE WHEN GROUPING(agency_kind) = 1 THEN 'province'
                WHEN GROUPING(agency_code) = 1 THEN 'agency_kind' ELSE 'agency' END AS scope,
           COALESCE(agency_code, agency_kind, 'province') AS scope_key,
           COUNT(*) AS filings_received,
           COUNT(*) FILTER (WHERE channel = 1) AS received_in_person,
           COUNT(*) FILTER (WHERE channel = 2) AS received_online,
           COUNT(*) FILTER (WHERE channel = 3) AS received_by_post,
           COUNT(*) FILTER (WHERE service_level = 'toan_trinh') AS received_full_process,
           COUNT(*) FILTER (WHERE service_level = 'toan_trinh' AND channel = 2) AS received_full_process_online,
           COUNT(*) FILTER (WHERE has_fee) AS fee_filings,
           COUNT(*) FILTER (WHERE has_fee AND paid_online) AS fee_filings_paid_online,
           COUNT(*) FILTER (WHERE digitised) AS filings_digitised,
           COUNT(*) FILTER (WHERE synced) AS filings_synced
    FROM filings
    GROUP BY GROUPING SETS ((received_half), (received_half, agency_kind), (received_half, agency_kind, agency_code))
),
processed AS (
    SELECT finished_half AS half_year,
           CASE WHEN GROUPING(agency_kind) = 1 THEN 'province'
                WHEN GROUPING(agency_code) = 1 THEN 'agency_kind' ELSE 'agency' END AS scope,
           COALESCE(agency_code, agency_kind, 'province') AS scope_key,
           COUNT(*) AS filings_processed,
           COUNT(*) FILTER (WHERE finished_at <= due_at) AS processed_on_time,
           COUNT(*) FILTER (WHERE e_result) AS processed_with_e_result
    FROM filings
    WHERE status IN (9, 10)
    GROUP BY GROUPING SETS ((finished_half), (finished_half, agency_kind), (finished_half, agency_kind, agency_code))
),
halves AS (
    SELECT DISTINCT half_year,
           CAST(SUBSTRING(half_year, 1, 4)
                || CASE WHEN SUBSTRING(half_year, 6, 2) = 'H1' THEN '-06-30' ELSE '-12-31' END AS DATE) AS last_day
    FROM received
),
online_pairs AS (
    SELECT DISTINCT received_half AS half_year, agency_code, procedure_code
    FROM filings
    WHERE channel = 2
),
offered AS (
    -- Each agency's procedures offered online: a department its own provincial procedures,
    -- a district or commune People's Committee every procedure of its level.
    SELECT h.half_year, a.agency_kind, a.agency_code, p.procedure_code,
           op.procedure_code IS NOT NULL AS generated_online_filings
    FROM halves AS h
    JOIN core.dim_agency AS a
      ON a.valid_from <= h.last_day AND (a.valid_to IS NULL OR h.last_day < a.valid_to)
    JOIN core.dim_procedure AS p
      ON p.valid_from <= h.last_day AND (p.valid_to IS NULL OR h.last_day < p.valid_to)
     AND p.service_level IN ('toan_trinh', 'mot_phan')
     AND (   (a.agency_kind = 'so_nganh' AND p.handled_at = 'tinh' AND p.agency_code = a.agency_code)
          OR (a.agency_kind = 'huyen' AND p.handled_at = 'huyen')
          OR (a.agency_kind = 'xa' AND p.handled_at = 'xa'))
    LEFT JOIN online_pairs AS op
      ON op.half_year = h.half_year AND op.agency_code = a.agency_code AND op.procedure_code = p.procedure_code
),
services AS (
    SELECT half_year,
           CASE WHEN GROUPING(agency_kind) = 1 THEN 'province'
                WHEN GROUPING(agency_code) = 1 THEN 'agency_kind' ELSE 'agency' END AS scope,
           COALESCE(agency_code, agency_kind, 'province') AS scope_key,
           COUNT(DISTINCT procedure_code) AS services_offered_online,
           COUNT(DISTINCT CASE WHEN generated_online_filings THEN procedure_code END) AS services_with_online_filings
    FROM offered
    GROUP BY GROUPING SETS ((half_year), (half_year, agency_kind), (half_year, agency_kind, agency_code))
),
activity AS (
    SELECT COALESCE(r.half_year, p.half_year) AS half_year,
           COALESCE(r.scope, p.scope) AS scope,
           COALESCE(r.scope_key, p.scope_key) AS scope_key,
           r.filings_received, r.received_in_person, r.received_online, r.received_by_post,
           r.received_full_process, r.received_full_process_online, r.fee_filings, r.fee_filings_paid_online,
           r.filings_digitised, r.filings_synced,
           p.filings_processed, p.processed_on_time, p.processed_with_e_result
    FROM received AS r
    FULL OUTER JOIN processed AS p
      ON p.half_year = r.half_year AND p.scope = r.scope AND p.scope_key = r.scope_key
),
counts AS (
    SELECT COALESCE(a.half_year, s.half_year) AS half_year,
           COALESCE(a.scope, s.scope) AS scope,
           COALESCE(a.scope_key, s.scope_key) AS scope_key,
           COALESCE(a.filings_received, 0) AS filings_received,
           COALESCE(a.received_in_person, 0) AS received_in_person,
           COALESCE(a.received_online, 0) AS received_online,
           COALESCE(a.received_by_post, 0) AS received_by_post,
           COALESCE(a.received_full_process, 0) AS received_full_process,
           COALESCE(a.received_full_process_online, 0) AS received_full_process_online,
           COALESCE(s.services_offered_online, 0) AS services_offered_online,
           COALESCE(s.services_with_online_filings, 0) AS services_with_online_filings,
           COALESCE(a.filings_processed, 0) AS filings_processed,
           COALESCE(a.processed_on_time, 0) AS processed_on_time,
           COALESCE(a.processed_with_e_result, 0) AS processed_with_e_result,
           COALESCE(a.fee_filings, 0) AS fee_filings,
           COALESCE(a.fee_filings_paid_online, 0) AS fee_filings_paid_online,
           COALESCE(a.filings_digitised, 0) AS filings_digitised,
           COALESCE(a.filings_synced, 0) AS filings_synced
    FROM activity AS a
    FULL OUTER JOIN services AS s
      ON s.half_year = a.half_year AND s.scope = a.scope AND s.scope_key = a.scope_key
)
SELECT c.half_year,
       c.scope,
       CASE WHEN c.scope = 'agency_kind' THEN c.scope_key ELSE ag.agency_kind END AS agency_kind,
       CASE WHEN c.scope = 'agency' THEN c.scope_key END AS agency_code,
       ag.agency_name,
       c.filings_received, c.received_in_person, c.received_online, c.received_by_post,
       ROUND(100.0 * c.received_online / NULLIF(c.filings_received, 0), 1) AS online_filing_rate,
       c.received_full_process, c.received_full_process_online,
       ROUND(100.0 * c.received_full_process_online / NULLIF(c.received_full_process, 0), 1) AS full_process_online_rate,
       c.services_offered_online, c.services_with_online_filings,
       ROUND(100.0 * c.services_with_online_filings / NULLIF(c.services_offered_online, 0), 1)
           AS services_with_online_filings_rate,
       c.filings_processed, c.processed_on_time,
       ROUND(100.0 * c.processed_on_time / NULLIF(c.filings_processed, 0), 1) AS on_time_rate,
       c.fee_filings, c.fee_filings_paid_online,
       ROUND(100.0 * c.fee_filings_paid_online / NULLIF(c.fee_filings, 0), 1) AS online_payment_rate,
       c.filings_digitised,
       ROUND(100.0 * c.filings_digitised / NULLIF(c.filings_received, 0), 1) AS digitisation_rate,
       c.processed_with_e_result,
       ROUND(100.0 * c.processed_with_e_result / NULLIF(c.filings_processed, 0), 1) AS e_result_rate,
       c.filings_synced,
       ROUND(100.0 * c.filings_synced / NULLIF(c.filings_received, 0), 1) AS synced_rate
FROM counts AS c
LEFT JOIN halves AS h ON h.half_year = c.half_year
LEFT JOIN core.dim_agency AS ag
  ON c.scope = 'agency' AND ag.agency_code = c.scope_key
 AND ag.valid_from <= COALESCE(h.last_day, CAST('9999-12-31' AS DATE))
 AND (ag.valid_to IS NULL OR COALESCE(h.last_day, CAST('9999-12-31' AS DATE)) < ag.valid_to);
