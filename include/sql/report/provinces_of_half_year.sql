-- The deployment's provinces (:provinces, DXSTATS_PROVINCES) as the reference data names them for a half-year
-- [:start_day, :end_day), each under its last name in the half (a province merged mid-half reports under its
-- new name): the report's subtitle names them. Not every province of the reference data: a national units
-- file serves a provincial deployment too.
SELECT u.unit_code, u.unit_name, u.unit_type
FROM core.dim_unit AS u
WHERE u.unit_level = 'province'
  AND u.unit_code IN :provinces
  AND u.valid_from < :end_day AND (u.valid_to IS NULL OR u.valid_to > :start_day)
  AND NOT EXISTS (
      SELECT 1 FROM core.dim_unit AS later
      WHERE later.unit_code = u.unit_code AND later.unit_level = 'province'
        AND later.valid_from > u.valid_from AND later.valid_from < :end_day)
ORDER BY u.unit_code
