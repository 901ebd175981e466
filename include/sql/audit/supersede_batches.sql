-- A new load of the period replaces the rows of these batches; audit keeps them, marked.
UPDATE audit.batches
SET status = 'superseded'
WHERE source = :source AND period = :period AND status = 'loaded';
