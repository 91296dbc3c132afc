-- Host keys pinned in the database: for hosts that known_hosts does not list, either pinned by
-- trust on first use (only where the operator turned it on for the host) or by an operator.
CREATE TABLE host_keys (
  host_id      INTEGER PRIMARY KEY REFERENCES hosts (id),
  key_type     TEXT    NOT NULL,
  fingerprint  TEXT    NOT NULL,
  pinned_at    INTEGER NOT NULL,
  pinned_by    TEXT    NOT NULL CHECK (pinned_by IN ('first-use', 'operator'))
);

-- What happened to a host that alerting may act on: a changed key, a key pinned on first use.
CREATE TABLE host_events (
  id       INTEGER PRIMARY KEY,
  host_id  INTEGER NOT NULL REFERENCES hosts (id),
  at       INTEGER NOT NULL,
  kind     TEXT    NOT NULL CHECK (kind IN ('hostkey-changed', 'hostkey-pinned')),
  detail   TEXT    NOT NULL CHECK (json_valid(detail))
);
CREATE INDEX host_events_by_host ON host_events (host_id, at);
CREATE INDEX host_events_by_time ON host_events (at);
