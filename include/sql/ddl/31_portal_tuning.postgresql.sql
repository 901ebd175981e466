-- PostgreSQL only (DuckDB has no counterpart file):
-- staged keys live for one transaction, so they need no WAL: an unlogged table takes a
-- bulk COPY at about twice the speed (after a crash PostgreSQL empties it, which is right);
-- the month's delete in core needs an index; DuckDB's zone maps already prune by month.
ALTER TABLE staging.portal_filing_keys SET UNLOGGED;
CREATE INDEX IF NOT EXISTS fact_filing_export_month ON core.fact_filing (export_month);
