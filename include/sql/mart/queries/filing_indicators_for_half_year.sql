-- The filing indicators of one half-year, every scope.
SELECT * FROM mart.filing_indicators WHERE half_year = :half_year
