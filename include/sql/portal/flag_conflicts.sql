-- Staged filings that would count twice are flagged; the load rejects them into audit.
-- 1. The id is already in core for another month.
UPDATE staging.portal_filings AS s
SET conflict = 'filing id was already loaded for another month'
WHERE s.export_month = :period_start
  AND EXISTS (SELECT 1 FROM core.fact_filing AS f
              WHERE f.filing_id = s.filing_id AND f.export_month <> s.export_month);

-- 2. The id is in more than one file of this month (each file is unique on its own).
UPDATE staging.portal_filings AS s
SET conflict = 'filing id appears in more than one file of the month'
WHERE s.export_month = :period_start
  AND s.conflict IS NULL
  AND s.filing_id IN (SELECT o.filing_id
                      FROM staging.portal_filings AS o
                      WHERE o.export_month = :period_start
                      GROUP BY o.filing_id
                      HAVING COUNT(DISTINCT o.batch_id) > 1);
