-- The fleet's state at the end of each day, per label ('' is the whole fleet): how many hosts
-- and units, and a histogram of unit exposures (index = tenths, 0…100) from which median, p90
-- and the predicate bands come exactly. A day's row starts as a copy of the label's latest
-- earlier row (hosts not scanned that day keep their last known state) and each successful
-- scan applies the change it saw.
CREATE TABLE label_daily (
  label      TEXT    NOT NULL,
  day        TEXT    NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  hosts      INTEGER NOT NULL,
  units      INTEGER NOT NULL,
  histogram  TEXT    NOT NULL CHECK (json_valid(histogram)),
  PRIMARY KEY (label, day)
) WITHOUT ROWID;

-- Which hosts a label row counts: a host counts once it has a successful scan.
CREATE TABLE host_rollup_state (
  host_id  INTEGER PRIMARY KEY REFERENCES hosts (id),
  labels   TEXT NOT NULL CHECK (json_valid(labels))
);
