-- Raw reports compressed with Brotli instead of gzip (issue 5): a 1.8 MB report takes ~9.5 KB
-- instead of ~31 KB, and compressing it costs no more. Rows written before keep gzip and say so.
ALTER TABLE reports RENAME COLUMN body_gz TO body;
ALTER TABLE reports ADD COLUMN codec TEXT NOT NULL DEFAULT 'gzip' CHECK (codec IN ('gzip', 'br'));
