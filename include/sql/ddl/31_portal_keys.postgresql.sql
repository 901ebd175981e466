-- PostgreSQL needs these indexes for the month's delete and the staging lookups; DuckDB's
-- min/max zone maps already prune by month, so it has no counterpart file.
CREATE INDEX IF NOT EXISTS fact_filing_export_month ON core.fact_filing (export_month);
CREATE INDEX IF NOT EXISTS staging_portal_filings_month ON staging.portal_filings (export_month);
