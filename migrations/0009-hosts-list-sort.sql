-- The hosts list, paginated and sorted by the server (issue 5): its pages are walked with a
-- keyset cursor over an index instead of sorting every host per request. The sort by exposure
-- needs the worst exposure of each host's last successful scan on the hosts row itself; the
-- triggers keep it equal to that scan's, whichever way scans change (a new scan, a reparse
-- turning a scan ok or failed, a scan removed).

ALTER TABLE hosts ADD COLUMN last_ok_worst INTEGER;

UPDATE hosts SET last_ok_worst = (SELECT s.worst FROM scans s
  WHERE s.id = (SELECT max(o.id) FROM scans o WHERE o.host_id = hosts.id AND o.status = 'ok'));

CREATE TRIGGER hosts_last_ok_worst_insert AFTER INSERT ON scans WHEN NEW.status = 'ok'
BEGIN
  UPDATE hosts SET last_ok_worst = NEW.worst WHERE id = NEW.host_id;
END;

CREATE TRIGGER hosts_last_ok_worst_update AFTER UPDATE OF status, worst, host_id ON scans
BEGIN
  UPDATE hosts SET last_ok_worst = (SELECT s.worst FROM scans s
    WHERE s.id = (SELECT max(o.id) FROM scans o WHERE o.host_id = hosts.id AND o.status = 'ok'))
  WHERE id IN (OLD.host_id, NEW.host_id);
END;

CREATE TRIGGER hosts_last_ok_worst_delete AFTER DELETE ON scans WHEN OLD.status = 'ok'
BEGIN
  UPDATE hosts SET last_ok_worst = (SELECT s.worst FROM scans s
    WHERE s.id = (SELECT max(o.id) FROM scans o WHERE o.host_id = hosts.id AND o.status = 'ok'))
  WHERE id = OLD.host_id;
END;

-- One index per order, each walked forward from the cursor with a row-value comparison; the
-- name (unique) breaks ties. Hosts without a score (never scanned ok, or no units) go last in
-- both exposure orders, as they always did on the page: -1 negated sorts after every score
-- worst-first, 101 after every score best-first. Retired hosts are never listed.
CREATE INDEX hosts_active_worst_first ON hosts (-coalesce(last_ok_worst, -1), name) WHERE retired_at IS NULL;
CREATE INDEX hosts_active_best_first ON hosts (coalesce(last_ok_worst, 101), name) WHERE retired_at IS NULL;
-- By name both ways (a descending page walks it backwards).
CREATE INDEX hosts_active_by_name ON hosts (name) WHERE retired_at IS NULL;
