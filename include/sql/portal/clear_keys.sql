-- The keys staged for a period's checks; cleared before and after they are used.
DELETE FROM staging.portal_filing_keys WHERE period_start = :period_start;
