-- The rows rejected from the files in force for a source's period (of one province, or of all when :province is
-- NULL), and each batch's validation page.
SELECT b.province_code, b.file_name, r.source_row, r.column_name, r.value, r.reason, b.validation_report
FROM audit.rejected_rows AS r
JOIN audit.batches AS b ON b.batch_id = r.batch_id AND b.status = 'loaded'
WHERE b.source = :source AND b.period = :period
  AND (CAST(:province AS VARCHAR) IS NULL OR b.province_code = :province)
ORDER BY b.province_code, b.file_name, r.source_row, r.column_name;
