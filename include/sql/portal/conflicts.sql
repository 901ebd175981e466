-- The flagged rows, shaped as audit.rejected_rows wants them.
SELECT batch_id, source_row, 'filing_id' AS column_name, filing_id AS value,
       conflict AS reason, 'filing_id_counted_once' AS check_name
FROM staging.portal_filings
WHERE export_month = :period_start AND conflict IS NOT NULL
ORDER BY batch_id, source_row;
