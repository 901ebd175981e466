-- Online public-service indicators per half-year (DESIGN §4), for the province, by agency kind
-- (so_nganh department, huyen district, xa commune People's Committee, nganh_doc police, tax and
-- social insurance), by agency and by district (scope 'district': the district-level People's
-- Committee and the communes' committees under it), with the counts behind every rate.
--
-- Two sources feed it:
-- * the portal's exports (core.fact_filing), one row per filing. A filing counts in the half-year of
--   its reception; a processed filing (status 9 or 10) in the half-year of its finish. Agencies and units
--   are taken in the version valid on the reception date (a filing whose agency has no version then
--   counts under kind 'unknown', so totals never lose it). The full-process rate uses the level the
--   filing was offered at (its own service_level), since a procedure's level can change in a half-year.
-- * the agencies' monthly summaries (core.fact_portal_summary), for agencies outside the shared system.
--   A summary counts in the half-year of its month, except where the same agency's filings are in
--   that month's export: then the export counts and the summary is only compared with it
--   (audit.portal_summary_reconciliation), so nothing counts twice. A summary row counts towards the
--   full-process rate when its procedure is offered toan_trinh in the catalogue that month (a total row,
--   without a procedure, does not). Summaries carry neither electronic results nor syncing, so those two
--   rates are over the exports' filings only (filings_processed_itemised, filings_received_itemised).
--
-- Services offered online: a department or a vertically managed agency its own provincial procedures, a
-- district or commune People's Committee every procedure of its level, in the catalogue valid on the
-- half-year's last day. Agencies that offer services online but received no filing still get a row
-- (0 of N used); an agency that sent only total rows for the half-year is left out of that indicator,
-- since which of its services were used is unknown.
--
-- One definition, two uses. The view computes every half-year: its `periods` bounds every date. The
-- report asks for one half-year (include/sql/mart/queries/filing_indicators_for_half_year.sql, run by
-- dxstats.indicators.filing_indicators): it runs this same body with `periods` bound to that half-year's
-- dates, so only the filings received or finished in it, and the summaries of its months, are read (the
-- rows of that half-year are the same; rows of other half-years it also produces are partial and dropped).
CREATE OR REPLACE VIEW mart.filing_indicators AS
WITH periods AS (
    SELECT CAST('0001-01-01' AS DATE) AS since, CAST('9999-12-31' AS DATE) AS until
),
filed AS (
    -- The filings reduced once to the counts every later step needs, by half-year of reception, processing
    -- state, half-year of finish and agency, with the agency's kind and district on the reception date: the
    -- millions of filings are read once and never kept (a CTE of them, read by several steps, is written
    -- to disk by PostgreSQL and read back by each). Two steps: first by agency and reception day (what the
    -- dimensions' versions depend on), then joined to the dimensions, so the joins see ~5x fewer rows. A
    -- day's row is repeated as often as the versions match it, as each of its filings was, so nothing
    -- counts differently. The codes are grouped byte by byte on PostgreSQL (COLLATE "C": no locale
    -- comparisons; the order is never shown) and handed on in the database's collation.
    SELECT agency_code /*postgresql: COLLATE "default"*/ AS agency_code,
           agency_kind /*postgresql: COLLATE "default"*/ AS agency_kind,
           district_code /*postgresql: COLLATE "default"*/ AS district_code,
           received_half /*postgresql: COLLATE "default"*/ AS received_half,
           processed,
           processed_half /*postgresql: COLLATE "default"*/ AS processed_half,
           CAST(SUM(filings) AS BIGINT) AS filings,
           CAST(SUM(in_person) AS BIGINT) AS in_person,
           CAST(SUM(online) AS BIGINT) AS online,
           CAST(SUM(by_post) AS BIGINT) AS by_post,
           CAST(SUM(full_process) AS BIGINT) AS full_process,
           CAST(SUM(full_process_online) AS BIGINT) AS full_process_online,
           CAST(SUM(fee_filings) AS BIGINT) AS fee_filings,
           CAST(SUM(fee_filings_paid_online) AS BIGINT) AS fee_filings_paid_online,
           CAST(SUM(digitised) AS BIGINT) AS digitised,
           CAST(SUM(synced) AS BIGINT) AS synced,
           CAST(SUM(on_time) AS BIGINT) AS on_time,
           CAST(SUM(with_e_result) AS BIGINT) AS with_e_result
    FROM (
        SELECT d.*, COALESCE(a.agency_kind, 'unknown') /*postgresql: COLLATE "C"*/ AS agency_kind,
               CASE WHEN u.unit_level = 'district' THEN u.unit_code
                    WHEN pu.unit_level = 'district' THEN pu.unit_code END /*postgresql: COLLATE "C"*/
                   AS district_code,
               (CAST(EXTRACT(YEAR FROM d.received_on) AS VARCHAR)
                   || CASE WHEN EXTRACT(MONTH FROM d.received_on) <= 6 THEN '-H1' ELSE '-H2' END)
                   /*postgresql: COLLATE "C"*/
                   AS received_half,
               (CAST(d.finished_year AS VARCHAR) || CASE WHEN d.finished_h1 THEN '-H1' ELSE '-H2' END)
                   /*postgresql: COLLATE "C"*/
                   AS processed_half
        FROM (
            SELECT agency_code, received_on, processed, finished_year, finished_h1,
                   COUNT(*) AS filings,
                   COUNT(*) FILTER (WHERE channel = 1) AS in_person,
                   COUNT(*) FILTER (WHERE channel = 2) AS online,
                   COUNT(*) FILTER (WHERE channel = 3) AS by_post,
                   COUNT(*) FILTER (WHERE service_level = 'toan_trinh') AS full_process,
                   COUNT(*) FILTER (WHERE service_level = 'toan_trinh' AND channel = 2) AS full_process_online,
                   COUNT(*) FILTER (WHERE has_fee) AS fee_filings,
                   COUNT(*) FILTER (WHERE has_fee AND paid_online) AS fee_filings_paid_online,
                   COUNT(*) FILTER (WHERE digitised) AS digitised,
                   COUNT(*) FILTER (WHERE synced) AS synced,
                   COUNT(*) FILTER (WHERE finished_at <= due_at) AS on_time,
                   COUNT(*) FILTER (WHERE e_result) AS with_e_result
            FROM (
                SELECT channel, service_level, finished_at, due_at, has_fee, paid_online, digitised, e_result,
                       synced, agency_code /*postgresql: COLLATE "C"*/ AS agency_code,
                       CAST(received_at AS DATE) AS received_on,
                       status IN (9, 10) AS processed,
                       -- the finish's half-year only where it counts (processed), so the rest share a group;
                       -- as numbers here, made text once per group below
                       CASE WHEN status IN (9, 10) THEN EXTRACT(YEAR FROM finished_at) END AS finished_year,
                       CASE WHEN status IN (9, 10) THEN EXTRACT(MONTH FROM finished_at) <= 6 END AS finished_h1
                FROM core.fact_filing
                WHERE (received_at >= (SELECT since FROM periods) AND received_at < (SELECT until FROM periods))
                   OR (finished_at >= (SELECT since FROM periods) AND finished_at < (SELECT until FROM periods))
            ) AS f
            GROUP BY agency_code, received_on, processed, finished_year, finished_h1
        ) AS d
        LEFT JOIN core.dim_agency AS a
          ON a.agency_code = d.agency_code /*postgresql: COLLATE "C"*/
         AND a.valid_from <= d.received_on AND (a.valid_to IS NULL OR d.received_on < a.valid_to)
        LEFT JOIN core.dim_unit AS u
          ON u.unit_code = a.unit_code
         AND u.valid_from <= d.received_on AND (u.valid_to IS NULL OR d.received_on < u.valid_to)
        LEFT JOIN core.dim_unit AS pu
          ON pu.unit_code = u.parent_code
         AND pu.valid_from <= d.received_on AND (pu.valid_to IS NULL OR d.received_on < pu.valid_to)
    ) AS j
    GROUP BY agency_code, agency_kind, district_code, received_half, processed, processed_half
),
exported AS (
    SELECT DISTINCT export_month, agency_code FROM core.fact_filing
    WHERE export_month >= (SELECT since FROM periods) AND export_month < (SELECT until FROM periods)
),
summary AS (
    SELECT s.*, p.service_level,
           COALESCE(a.agency_kind, 'unknown') AS agency_kind,
           CASE WHEN u.unit_level = 'district' THEN u.unit_code
                WHEN pu.unit_level = 'district' THEN pu.unit_code END AS district_code,
           CAST(EXTRACT(YEAR FROM s.summary_month) AS VARCHAR)
               || CASE WHEN EXTRACT(MONTH FROM s.summary_month) <= 6 THEN '-H1' ELSE '-H2' END AS half_year,
           s.received_online + s.received_in_person + s.received_by_post AS received
    FROM core.fact_portal_summary AS s
    LEFT JOIN core.dim_agency AS a
      ON a.agency_code = s.agency_code
     AND a.valid_from <= s.summary_month AND (a.valid_to IS NULL OR s.summary_month < a.valid_to)
    LEFT JOIN core.dim_unit AS u
      ON u.unit_code = a.unit_code
     AND u.valid_from <= s.summary_month AND (u.valid_to IS NULL OR s.summary_month < u.valid_to)
    LEFT JOIN core.dim_unit AS pu
      ON pu.unit_code = u.parent_code
     AND pu.valid_from <= s.summary_month AND (pu.valid_to IS NULL OR s.summary_month < pu.valid_to)
    LEFT JOIN core.dim_procedure AS p
      ON p.procedure_code = s.procedure_code
     AND p.valid_from <= s.summary_month AND (p.valid_to IS NULL OR s.summary_month < p.valid_to)
    WHERE s.summary_month >= (SELECT since FROM periods) AND s.summary_month < (SELECT until FROM periods)
      AND NOT EXISTS (SELECT 1 FROM exported AS e
                      WHERE e.export_month = s.summary_month AND e.agency_code = s.agency_code)
),
facts AS (
    -- filed has several rows per agency (processing state, half-year of finish): activity adds them up
    SELECT received_half AS half_year, agency_kind, agency_code, district_code,
           filings AS filings_received, in_person AS received_in_person, online AS received_online,
           by_post AS received_by_post, full_process AS received_full_process,
           full_process_online AS received_full_process_online, fee_filings, fee_filings_paid_online,
           digitised AS filings_digitised, filings AS filings_received_itemised, synced AS filings_synced,
           0 AS filings_processed, 0 AS processed_on_time, 0 AS filings_processed_itemised,
           0 AS processed_with_e_result
    FROM filed
    UNION ALL
    SELECT processed_half, agency_kind, agency_code, district_code, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           filings, on_time, filings, with_e_result
    FROM filed
    WHERE processed
    UNION ALL
    SELECT half_year, agency_kind, agency_code, district_code,
           SUM(received), SUM(received_in_person), SUM(received_online), SUM(received_by_post),
           SUM(CASE WHEN service_level = 'toan_trinh' THEN received ELSE 0 END),
           SUM(CASE WHEN service_level = 'toan_trinh' THEN received_online ELSE 0 END),
           SUM(fee_filings), SUM(paid_online), SUM(digitised), 0, 0,
           SUM(resolved_early + resolved_on_time + resolved_late), SUM(resolved_early + resolved_on_time), 0, 0
    FROM summary
    GROUP BY half_year, agency_kind, agency_code, district_code
),
activity AS (
    SELECT half_year,
           CASE WHEN GROUPING(district_code) = 0 THEN 'district'
                WHEN GROUPING(agency_kind) = 1 THEN 'province'
                WHEN GROUPING(agency_code) = 1 THEN 'agency_kind' ELSE 'agency' END AS scope,
           CASE WHEN GROUPING(district_code) = 0 THEN district_code
                ELSE COALESCE(agency_code, agency_kind, 'province') END AS scope_key,
           CAST(SUM(filings_received) AS BIGINT) AS filings_received,
           CAST(SUM(received_in_person) AS BIGINT) AS received_in_person,
           CAST(SUM(received_online) AS BIGINT) AS received_online,
           CAST(SUM(received_by_post) AS BIGINT) AS received_by_post,
           CAST(SUM(received_full_process) AS BIGINT) AS received_full_process,
           CAST(SUM(received_full_process_online) AS BIGINT) AS received_full_process_online,
           CAST(SUM(fee_filings) AS BIGINT) AS fee_filings,
           CAST(SUM(fee_filings_paid_online) AS BIGINT) AS fee_filings_paid_online,
           CAST(SUM(filings_digitised) AS BIGINT) AS filings_digitised,
           CAST(SUM(filings_received_itemised) AS BIGINT) AS filings_received_itemised,
           CAST(SUM(filings_synced) AS BIGINT) AS filings_synced,
           CAST(SUM(filings_processed) AS BIGINT) AS filings_processed,
           CAST(SUM(processed_on_time) AS BIGINT) AS processed_on_time,
           CAST(SUM(filings_processed_itemised) AS BIGINT) AS filings_processed_itemised,
           CAST(SUM(processed_with_e_result) AS BIGINT) AS processed_with_e_result
    FROM facts
    GROUP BY GROUPING SETS ((half_year), (half_year, agency_kind), (half_year, agency_kind, agency_code),
                            (half_year, district_code))
    HAVING GROUPING(district_code) = 1 OR district_code IS NOT NULL
),
halves AS (
    SELECT h.half_year, h.last_day
    FROM core.half_years AS h
    WHERE h.half_year IN (SELECT half_year FROM facts)
      AND h.first_day >= (SELECT since FROM periods) AND h.last_day < (SELECT until FROM periods)
),
online_pairs AS (
    -- (half-year, agency, procedure) with an online filing or an online summary row. Read from the exports
    -- themselves, not from filed: no dimension is needed, and filed would be as many rows again. Only the
    -- filings received in the period (a pair of another half-year never meets an offering: halves are the
    -- period's). One grouping over both sources (not a DISTINCT of each and a UNION of the two), on codes
    -- in the "C" collation, which offered's join keeps.
    SELECT agency_code, procedure_code, half_year
    FROM (
        SELECT agency_code /*postgresql: COLLATE "C"*/ AS agency_code,
               procedure_code /*postgresql: COLLATE "C"*/ AS procedure_code,
               (CAST(EXTRACT(YEAR FROM received_at) AS VARCHAR)
                   || CASE WHEN EXTRACT(MONTH FROM received_at) <= 6 THEN '-H1' ELSE '-H2' END)
                   /*postgresql: COLLATE "C"*/
                   AS half_year
        FROM core.fact_filing
        WHERE channel = 2
          AND received_at >= (SELECT since FROM periods) AND received_at < (SELECT until FROM periods)
        UNION ALL
        SELECT agency_code /*postgresql: COLLATE "C"*/, procedure_code /*postgresql: COLLATE "C"*/,
               half_year /*postgresql: COLLATE "C"*/
        FROM summary
        WHERE received_online > 0 AND procedure_code IS NOT NULL
    ) AS o
    GROUP BY agency_code, procedure_code, half_year
),
totals_only AS (
    SELECT half_year, agency_code FROM summary GROUP BY half_year, agency_code HAVING COUNT(procedure_code) = 0
    EXCEPT
    SELECT received_half, agency_code FROM filed
),
offering_agencies AS (
    -- the agencies of the kinds that offer services, valid on the half-year's last day, less those that sent
    -- only total rows: excluded here, per agency, not per offered procedure (a few thousand comparisons with
    -- totals_only, whose size the planner cannot know, instead of one per offering, ~900,000 nationally)
    SELECT h.half_year, h.last_day, a.agency_kind, a.agency_code, a.unit_code
    FROM halves AS h
    JOIN core.dim_agency AS a
      ON a.valid_from <= h.last_day AND (a.valid_to IS NULL OR h.last_day < a.valid_to)
    WHERE a.agency_kind IN ('so_nganh', 'nganh_doc', 'huyen', 'xa')
      AND NOT EXISTS (SELECT 1 FROM totals_only AS t
                      WHERE t.half_year = h.half_year AND t.agency_code = a.agency_code)
),
offerings AS (
    -- a department or vertical agency with its own provincial procedures (matched on its code), a district or
    -- commune People's Committee with every procedure of its level (matched on the level): two equi-joins, not
    -- one join on an OR of the cases, which compares every agency with every procedure (nationally 7,000 x 46,000)
    SELECT a.half_year, a.last_day, a.agency_kind, a.agency_code, a.unit_code, p.procedure_code
    FROM offering_agencies AS a
    JOIN core.dim_procedure AS p
      ON p.agency_code = a.agency_code AND p.handled_at = 'tinh'
     AND p.valid_from <= a.last_day AND (p.valid_to IS NULL OR a.last_day < p.valid_to)
    WHERE a.agency_kind IN ('so_nganh', 'nganh_doc') AND p.service_level IN ('toan_trinh', 'mot_phan')
    UNION ALL
    SELECT a.half_year, a.last_day, a.agency_kind, a.agency_code, a.unit_code, p.procedure_code
    FROM offering_agencies AS a
    JOIN core.dim_procedure AS p
      ON p.handled_at = a.agency_kind
     AND p.valid_from <= a.last_day AND (p.valid_to IS NULL OR a.last_day < p.valid_to)
    WHERE a.agency_kind IN ('huyen', 'xa') AND p.service_level IN ('toan_trinh', 'mot_phan')
),
offered AS (
    -- the pairs keep the "C" collation, so the join compares in it (both sides explicitly: PostgreSQL then
    -- hashes the pairs; a trial with them handed back in the default collation got a merge join on half the
    -- key that compared 54 million pairs). A window over the offerings and the pairs instead of the join
    -- gives the same rows whatever the estimates, but costs ~1 s more on PostgreSQL and on DuckDB.
    SELECT o.half_year, o.agency_kind, o.agency_code, o.procedure_code,
           CASE WHEN u.unit_level = 'district' THEN u.unit_code
                WHEN pu.unit_level = 'district' THEN pu.unit_code END AS district_code,
           op.procedure_code IS NOT NULL AS generated_online_filings
    FROM offerings AS o
    LEFT JOIN core.dim_unit AS u
      ON u.unit_code = o.unit_code AND u.valid_from <= o.last_day AND (u.valid_to IS NULL OR o.last_day < u.valid_to)
    LEFT JOIN core.dim_unit AS pu
      ON pu.unit_code = u.parent_code AND pu.valid_from <= o.last_day
     AND (pu.valid_to IS NULL OR o.last_day < pu.valid_to)
    LEFT JOIN online_pairs AS op
      ON op.agency_code /*postgresql: COLLATE "C"*/ = o.agency_code /*postgresql: COLLATE "C"*/
     AND op.procedure_code /*postgresql: COLLATE "C"*/ = o.procedure_code /*postgresql: COLLATE "C"*/
     AND op.half_year /*postgresql: COLLATE "C"*/ = o.half_year /*postgresql: COLLATE "C"*/
),
services AS (
    SELECT half_year,
           CASE WHEN GROUPING(district_code) = 0 THEN 'district'
                WHEN GROUPING(agency_kind) = 1 THEN 'province'
                WHEN GROUPING(agency_code) = 1 THEN 'agency_kind' ELSE 'agency' END AS scope,
           CASE WHEN GROUPING(district_code) = 0 THEN district_code
                ELSE COALESCE(agency_code, agency_kind, 'province') END AS scope_key,
           COUNT(DISTINCT procedure_code /*postgresql: COLLATE "C"*/) AS services_offered_online,
           COUNT(DISTINCT CASE WHEN generated_online_filings THEN procedure_code END /*postgresql: COLLATE "C"*/)
               AS services_with_online_filings
    FROM offered
    GROUP BY GROUPING SETS ((half_year), (half_year, agency_kind), (half_year, agency_kind, agency_code),
                            (half_year, district_code))
    HAVING GROUPING(district_code) = 1 OR district_code IS NOT NULL
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
           COALESCE(a.filings_processed_itemised, 0) AS filings_processed_itemised,
           COALESCE(a.processed_with_e_result, 0) AS processed_with_e_result,
           COALESCE(a.fee_filings, 0) AS fee_filings,
           COALESCE(a.fee_filings_paid_online, 0) AS fee_filings_paid_online,
           COALESCE(a.filings_digitised, 0) AS filings_digitised,
           COALESCE(a.filings_received_itemised, 0) AS filings_received_itemised,
           COALESCE(a.filings_synced, 0) AS filings_synced
    FROM activity AS a
    FULL OUTER JOIN services AS s
      ON s.half_year = a.half_year AND s.scope = a.scope AND s.scope_key = a.scope_key
)
SELECT c.half_year,
       c.scope,
       c.scope_key,
       CASE WHEN c.scope = 'agency_kind' THEN c.scope_key ELSE ag.agency_kind END AS agency_kind,
       CASE WHEN c.scope = 'agency' THEN c.scope_key END AS agency_code,
       ag.agency_name,
       CASE WHEN c.scope = 'district' THEN c.scope_key END AS district_code,
       hd.district_name,
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
       c.filings_processed_itemised, c.processed_with_e_result,
       ROUND(100.0 * c.processed_with_e_result / NULLIF(c.filings_processed_itemised, 0), 1) AS e_result_rate,
       c.filings_received_itemised, c.filings_synced,
       ROUND(100.0 * c.filings_synced / NULLIF(c.filings_received_itemised, 0), 1) AS synced_rate
FROM counts AS c
LEFT JOIN core.half_years AS h ON h.half_year = c.half_year
LEFT JOIN core.dim_agency AS ag
  ON c.scope = 'agency' AND ag.agency_code = c.scope_key
 AND ag.valid_from <= COALESCE(h.last_day, CAST('9999-12-31' AS DATE))
 AND (ag.valid_to IS NULL OR COALESCE(h.last_day, CAST('9999-12-31' AS DATE)) < ag.valid_to)
LEFT JOIN core.half_year_districts AS hd ON c.scope = 'district' AND hd.half_year = c.half_year
 AND hd.district_code = c.scope_key;
