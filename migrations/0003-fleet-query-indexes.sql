-- Indexes for the fleet screens (issue 5). The unit_intervals ones hold only current rows
-- (to_scan IS NULL), so what a fleet screen reads grows with the fleet, never with its history.
-- Each ends with to_scan although it is always NULL there: SQLite counts a partial index as
-- covering only when it holds the columns of its own WHERE, and covering means the screens
-- never read the table's rows.

-- Overview, worst units and directive gaps for the hosts a label picks (or the hosts it leaves
-- out, when those are fewer).
CREATE INDEX unit_intervals_current_by_host
  ON unit_intervals (host_id, assessment_id, exposure, unit_id, to_scan) WHERE to_scan IS NULL;
-- Worst units grouped by unit name (read in group order), and "hosts running this unit".
CREATE INDEX unit_intervals_current_by_unit ON unit_intervals (unit_id, exposure, host_id, to_scan)
  WHERE to_scan IS NULL;
-- Worst (host, unit) pairs fleet-wide, walked in exposure order with a keyset cursor; the
-- per-unit metrics read its first rows.
CREATE INDEX unit_intervals_current_by_exposure ON unit_intervals (exposure, host_id, unit_id, to_scan)
  WHERE to_scan IS NULL;
-- A host's successful scans in a time range (host trend), and its state at the end of a day
-- (scan diff by date).
CREATE INDEX scans_ok_by_host_time ON scans (host_id, started_at) WHERE status = 'ok';
