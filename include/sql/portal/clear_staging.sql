-- A period's staging is cleared before its rows are staged, so a load never sees another's rows.
DELETE FROM staging.portal_filings WHERE export_month = :period_start;
