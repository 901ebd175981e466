-- Rows the expectation suite rejected while they were being written leave core again.
-- (Their rejections are already in audit.rejected_rows, in this transaction.)
DELETE FROM core.fact_filing AS f
WHERE f.export_month = :period_start
  AND f.batch_id IN :batch_ids
  AND EXISTS (SELECT 1 FROM audit.rejected_rows AS r
              WHERE r.batch_id IN :batch_ids
                AND r.batch_id = f.batch_id
                AND r.source_row = f.source_row);
