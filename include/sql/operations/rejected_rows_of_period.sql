-- The rows rejected from the files in force for a source's period, and each batch's validation page.
SELECT b.file_name, r.source_row, r.column_name, r.value, r.reason, b.validation_report
FROM audit.rejected_rows AS r
JOIN audit.batches AS b ON b.batch_id = r.batch_id AND b.status = 'loaded'
WHERE b.source = :source AND b.period = :period
ORDER BY b.file_name, r.source_row, r.column_name;
