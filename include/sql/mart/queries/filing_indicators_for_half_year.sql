-- The filing indicators of one half-year (:half_year, e.g. '2022-H1'), every scope: the same rows as
-- SELECT * FROM mart.filing_indicators WHERE half_year = :half_year, at the cost of that half-year alone.
-- This is the `periods` of that view's body (include/sql/mart/filing_indicators.sql), bound to the
-- half-year's dates: dxstats.indicators.filing_indicators runs the view's body with it in place of the
-- view's own, which bounds every date, and keeps the half-year's rows. One definition of the logic.
SELECT first_day AS since, last_day + 1 AS until FROM core.half_years WHERE half_year = :half_year
