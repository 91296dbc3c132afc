-- Raw reports compressed with Brotli instead of gzip (issue 5): a 1.8 MB report takes ~9.5 KB
-- instead of ~31 KB, and compressing it costs no more. Rows written before keep gzip and say so.
ALTER TABLE reports RENAME COLUMN body_gz TO body;
ALTER TABLE reports ADD COLUMN codec TEXT NOT NULL DEFAULT 'gzip' CHECK (codec IN ('gzip', 'br'));

-- Housekeeping deletes scans past their retention, and unused facts and error sets. Every row it
-- deletes has its references checked (foreign keys): without an index on the referencing column
-- that is a walk of the whole referencing table per deleted row, hours at 10,000 hosts (issue 5).
CREATE INDEX unit_intervals_by_from_scan ON unit_intervals (from_scan);
CREATE INDEX unit_intervals_by_to_scan ON unit_intervals (to_scan) WHERE to_scan IS NOT NULL;
CREATE INDEX scans_by_facts ON scans (facts_id) WHERE facts_id IS NOT NULL;
CREATE INDEX scans_by_errors ON scans (errors_id) WHERE errors_id IS NOT NULL;
