-- Per-host revisions for the live fleet aggregates (issue 5, point 6): the server keeps each
-- host's share of the overview, worst units and directive gaps in memory, and after a write
-- re-reads only the hosts whose revision moved. The triggers bump them whoever writes (the
-- server's ScanWriter, the CLI, reparse, housekeeping, another process), in the writer's own
-- transaction, so a rolled-back write leaves them as they were.
--
-- units_rev: the host's current intervals (to_scan IS NULL) may have changed.
-- state_rev: its labels, its retirement, or its scans (which one is latest, its status and time,
--   whether it has a successful one) may have changed.
-- Counters only ever grow while the row lives; hosts are retired, never deleted.

ALTER TABLE hosts ADD COLUMN units_rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN state_rev INTEGER NOT NULL DEFAULT 0;

-- A scan's history: new intervals open, changed ones close (to_scan set), a reparse deletes and
-- reopens. Only rows that are or were current matter: closing an interval (to_scan set) is
-- such a change, while housekeeping never touches intervals.
CREATE TRIGGER hosts_units_rev_insert AFTER INSERT ON unit_intervals WHEN NEW.to_scan IS NULL
BEGIN
  UPDATE hosts SET units_rev = units_rev + 1 WHERE id = NEW.host_id;
END;

CREATE TRIGGER hosts_units_rev_update AFTER UPDATE ON unit_intervals
  WHEN OLD.to_scan IS NULL OR NEW.to_scan IS NULL
BEGIN
  UPDATE hosts SET units_rev = units_rev + 1 WHERE id IN (OLD.host_id, NEW.host_id);
END;

CREATE TRIGGER hosts_units_rev_delete AFTER DELETE ON unit_intervals WHEN OLD.to_scan IS NULL
BEGIN
  UPDATE hosts SET units_rev = units_rev + 1 WHERE id = OLD.host_id;
END;

-- The overview counts hosts by their latest scan's status and time. Housekeeping detaching
-- reports (report_id) changes neither, so only these columns count on update.
CREATE TRIGGER hosts_state_rev_scan_insert AFTER INSERT ON scans
BEGIN
  UPDATE hosts SET state_rev = state_rev + 1 WHERE id = NEW.host_id;
END;

CREATE TRIGGER hosts_state_rev_scan_update AFTER UPDATE OF host_id, status, started_at ON scans
BEGIN
  UPDATE hosts SET state_rev = state_rev + 1 WHERE id IN (OLD.host_id, NEW.host_id);
END;

CREATE TRIGGER hosts_state_rev_scan_delete AFTER DELETE ON scans
BEGIN
  UPDATE hosts SET state_rev = state_rev + 1 WHERE id = OLD.host_id;
END;

-- Label filters and retirement pick the hosts a screen counts. The inventory rewrites every
-- host at start: an unchanged row moves nothing.
CREATE TRIGGER hosts_state_rev_host_update AFTER UPDATE OF labels, retired_at ON hosts
  WHEN OLD.labels IS NOT NEW.labels OR OLD.retired_at IS NOT NEW.retired_at
BEGIN
  UPDATE hosts SET state_rev = state_rev + 1 WHERE id = NEW.id;
END;
