-- Every file loaded, refused or superseded for a period of :half_year (its months, the half-year itself, its
-- year), for the report's data-quality annex.
SELECT source, period, file_name, status, rows_read, rows_loaded, rows_rejected, finished_at, message
FROM audit.half_year_batches
WHERE half_year = :half_year
ORDER BY source, period, finished_at;
