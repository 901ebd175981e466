-- The month's old rows go; the new ones are written next, in the same transaction,
-- so a reader sees the old month or the new one, never neither.
DELETE FROM core.fact_filing WHERE export_month = :period_start;
