-- The history of a fleet, stored as what changed (DESIGN.md "Storage"). Times are milliseconds
-- since the epoch (UTC); exposures are tenths of a point (9.6 → 96), as systemd computes them.
-- Everything a scan repeats from the last one (facts, errors, raw report, check lists, unit
-- states) is content-addressed or kept as an open interval, so an unchanged re-scan of a host
-- adds one small scans row.

CREATE TABLE hosts (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  address     TEXT    NOT NULL,
  port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
  user        TEXT    NOT NULL,
  labels      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(labels)),
  created_at  INTEGER NOT NULL,
  -- A host that leaves the inventory is retired, never deleted: its history stays.
  retired_at  INTEGER
);

-- What a host says about itself, shared by every scan that saw the same.
CREATE TABLE host_facts (
  id                    INTEGER PRIMARY KEY,
  hash                  BLOB    NOT NULL UNIQUE,
  systemd_version       INTEGER,
  systemd_version_text  TEXT,
  hostname              TEXT,
  machine_id            TEXT,
  os                    TEXT,
  kernel                TEXT,
  host_key_type         TEXT,
  host_key_fingerprint  TEXT
);

-- Units the host could not analyse and parse problems of one scan, shared likewise.
CREATE TABLE error_sets (
  id      INTEGER PRIMARY KEY,
  hash    BLOB NOT NULL UNIQUE,
  errors  TEXT NOT NULL CHECK (json_valid(errors))
);

-- Raw reports, gzipped, normalised (boundary, collection time) and content-addressed, so a
-- parser fix can re-read history and an unchanged re-scan stores no new report.
CREATE TABLE reports (
  id       INTEGER PRIMARY KEY,
  hash     BLOB    NOT NULL UNIQUE,
  size     INTEGER NOT NULL,
  body_gz  BLOB    NOT NULL
);

CREATE TABLE scans (
  id           INTEGER PRIMARY KEY,
  host_id      INTEGER NOT NULL REFERENCES hosts (id),
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER NOT NULL,
  status       TEXT    NOT NULL CHECK (status IN ('ok', 'unreachable', 'timeout', 'auth-failed',
                 'hostkey-unknown', 'hostkey-changed', 'command-failed', 'unsupported',
                 'parse-error', 'output-too-large')),
  error        TEXT,
  facts_id     INTEGER REFERENCES host_facts (id),
  errors_id    INTEGER REFERENCES error_sets (id),
  -- Cleared by housekeeping after the report retention; the scan itself stays.
  report_id    INTEGER REFERENCES reports (id),
  -- Summary of the units the scan saw, so host lists need not walk the intervals.
  unit_count   INTEGER,
  worst        INTEGER,
  median       INTEGER
);
CREATE INDEX scans_by_host ON scans (host_id, id);
CREATE INDEX scans_ok_by_host ON scans (host_id, id) WHERE status = 'ok';
CREATE INDEX scans_by_report ON scans (report_id) WHERE report_id IS NOT NULL;
CREATE INDEX scans_by_time ON scans (started_at);

CREATE TABLE unit_names (
  id    INTEGER PRIMARY KEY,
  name  TEXT NOT NULL UNIQUE
);

-- A unit's full list of checks, stored once and shared by every host and scan that saw it.
CREATE TABLE assessments (
  id       INTEGER PRIMARY KEY,
  hash     BLOB    NOT NULL UNIQUE,
  failing  INTEGER NOT NULL,
  checks   TEXT    NOT NULL CHECK (json_valid(checks))
);

-- A unit's history on a host: one row per stretch of scans in which it stayed the same. The
-- row is open (to_scan IS NULL) while the host's successful scans keep seeing it; the first
-- successful scan that sees it changed or gone closes it. Failed scans change nothing.
CREATE TABLE unit_intervals (
  id             INTEGER PRIMARY KEY,
  host_id        INTEGER NOT NULL REFERENCES hosts (id),
  unit_id        INTEGER NOT NULL REFERENCES unit_names (id),
  assessment_id  INTEGER NOT NULL REFERENCES assessments (id),
  exposure       INTEGER CHECK (exposure BETWEEN 0 AND 100),
  from_scan      INTEGER NOT NULL REFERENCES scans (id),
  to_scan        INTEGER REFERENCES scans (id),
  CHECK (to_scan IS NULL OR to_scan > from_scan)
);
CREATE UNIQUE INDEX unit_intervals_open ON unit_intervals (host_id, unit_id) WHERE to_scan IS NULL;
CREATE INDEX unit_intervals_by_host_unit ON unit_intervals (host_id, unit_id, from_scan);
CREATE INDEX unit_intervals_by_assessment ON unit_intervals (assessment_id);
