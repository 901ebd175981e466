-- The files whose rows are in core for a source's period of a province: what a reload compares against.
SELECT file_name, file_sha256
FROM audit.batches
WHERE source = :source AND period = :period AND province_code = :province AND status = 'loaded';
