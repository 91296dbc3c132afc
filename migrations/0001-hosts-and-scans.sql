-- Hosts, scans and what each scan found. Times are milliseconds since the epoch (UTC);
-- exposures are tenths of a point (9.6 → 96), as systemd computes them.

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

CREATE TABLE scans (
  id                    INTEGER PRIMARY KEY,
  host_id               INTEGER NOT NULL REFERENCES hosts (id),
  started_at            INTEGER NOT NULL,
  finished_at           INTEGER NOT NULL,
  status                TEXT    NOT NULL CHECK (status IN ('ok', 'unreachable', 'timeout', 'auth-failed',
                          'hostkey-unknown', 'hostkey-changed', 'command-failed', 'unsupported',
                          'parse-error', 'output-too-large')),
  error                 TEXT,
  host_key_type         TEXT,
  host_key_fingerprint  TEXT,
  systemd_version       INTEGER,
  systemd_version_text  TEXT,
  hostname              TEXT,
  machine_id            TEXT,
  os                    TEXT,
  kernel                TEXT,
  -- Summary of the units stored below, so the hosts list needs no scan of scan_units.
  unit_count            INTEGER,
  worst_exposure        INTEGER,
  median_exposure       INTEGER,
  -- The raw report, gzip-compressed, so a parser fix can re-read history.
  report_gz             BLOB
);
CREATE INDEX scans_by_host ON scans (host_id, id);
CREATE INDEX scans_ok_by_host ON scans (host_id, id) WHERE status = 'ok';

-- A unit's full list of checks, stored once and shared by every scan that saw the same list.
CREATE TABLE assessments (
  id      INTEGER PRIMARY KEY,
  hash    BLOB NOT NULL UNIQUE,
  checks  TEXT NOT NULL CHECK (json_valid(checks))
);

CREATE TABLE scan_units (
  scan_id        INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  unit           TEXT    NOT NULL,
  exposure       INTEGER CHECK (exposure BETWEEN 0 AND 100),
  predicate      TEXT,
  failing        INTEGER NOT NULL,
  assessment_id  INTEGER NOT NULL REFERENCES assessments (id),
  PRIMARY KEY (scan_id, unit)
) WITHOUT ROWID;
CREATE INDEX scan_units_by_assessment ON scan_units (assessment_id);

-- Units the host could not analyse, parse problems, cut-off tables: per scan, in order.
CREATE TABLE scan_errors (
  scan_id  INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  seq      INTEGER NOT NULL,
  unit     TEXT,
  message  TEXT    NOT NULL,
  PRIMARY KEY (scan_id, seq)
) WITHOUT ROWID;
