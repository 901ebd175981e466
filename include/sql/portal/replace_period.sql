-- Replace the month's filings with the staged ones, then empty the month's staging.
-- Runs inside the load's transaction: readers see the old month or the new one, never neither.
DELETE FROM core.fact_filing WHERE export_month = :period_start;

INSERT INTO core.fact_filing (
    filing_id, export_month, procedure_code, service_level, agency_code, unit_code, channel,
    received_at, due_at, finished_at, status, has_fee, paid_online, digitised, e_result, synced,
    batch_id
)
SELECT filing_id, export_month, procedure_code, service_level, agency_code, unit_code, channel,
       received_at, due_at, finished_at, status, has_fee, paid_online, digitised, e_result, synced,
       batch_id
FROM staging.portal_filings
WHERE export_month = :period_start AND conflict IS NULL;

DELETE FROM staging.portal_filings WHERE export_month = :period_start;
