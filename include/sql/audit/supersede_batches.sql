-- A new load of the period of a province replaces the rows of these batches; audit keeps them, marked.
UPDATE audit.batches
SET status = 'superseded'
WHERE source = :source AND period = :period AND province_code = :province AND status = 'loaded';
