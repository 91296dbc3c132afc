-- Where each active host's definition comes from (issue 7): the config file (rewritten from it
-- at every start) or the API (kept until an admin removes the host). `spec` is the host as the
-- config file would write it (server/config/schema.ts HostConfig, jump as a list): names, paths
-- and settings, never a key or a passphrase. A retired host has no row here; its history stays.
CREATE TABLE host_inventory (
  host_id     INTEGER PRIMARY KEY REFERENCES hosts (id),
  source      TEXT    NOT NULL CHECK (source IN ('config', 'api')),
  spec        TEXT    NOT NULL CHECK (json_valid(spec)),
  updated_at  INTEGER NOT NULL,
  updated_by  TEXT    NOT NULL
);
