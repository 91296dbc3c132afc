-- When each host is next due, and how many scans in a row have failed (for backoff), so a
-- restart neither stampedes the fleet nor forgets it.
CREATE TABLE host_schedule (
  host_id   INTEGER PRIMARY KEY REFERENCES hosts (id),
  due_at    INTEGER NOT NULL,
  failures  INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0)
);
