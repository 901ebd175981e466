-- The year's targets (register chi_tieu) as the latest register sent by the end of :half_year states them.
SELECT t.indicator, t.scope, t.target_pct
FROM core.fact_target AS t
JOIN core.half_years AS h ON h.half_year = :half_year
WHERE t.year = EXTRACT(YEAR FROM h.last_day)
  AND t.snapshot_half = (SELECT MAX(snapshot_half) FROM core.fact_target WHERE snapshot_half <= h.first_day)
ORDER BY t.indicator, t.scope;
