-- The reference dimensions are replaced whole, in the same transaction as their reload.
DELETE FROM core.dim_unit;
DELETE FROM core.dim_agency;
DELETE FROM core.dim_procedure;
