-- Access control (issue 6): local users, their browser sessions, API tokens for scripts, and
-- the audit log of every change. No secret is stored in a form that can be used: passwords as
-- scrypt hashes, session ids and API tokens as SHA-256 of 256 random bits. Times are ms since
-- the epoch (UTC).

CREATE TABLE users (
  id                   INTEGER PRIMARY KEY,
  name                 TEXT    NOT NULL UNIQUE COLLATE NOCASE,
  role                 TEXT    NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  -- scrypt$N$r$p$salt$hash (base64), see server/store/users.ts.
  password_hash        TEXT    NOT NULL,
  created_at           INTEGER NOT NULL,
  password_changed_at  INTEGER NOT NULL
);

-- One row per logged-in browser. The cookie holds the random id; the table only its hash, so a
-- copy of the database opens no session.
CREATE TABLE sessions (
  id_hash       BLOB    PRIMARY KEY,
  user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- The synchronizer token the web app sends back in X-CSRF-Token on every change.
  csrf_token    TEXT    NOT NULL,
  created_at    INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  ip            TEXT,
  user_agent    TEXT
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Tokens for scripts and scrapers, sent as Authorization: Bearer. Shown once at creation.
-- 'metrics' may read /metrics and nothing else.
CREATE TABLE api_tokens (
  id            INTEGER PRIMARY KEY,
  name          TEXT    NOT NULL,
  role          TEXT    NOT NULL CHECK (role IN ('metrics', 'viewer', 'operator', 'admin')),
  token_hash    BLOB    NOT NULL UNIQUE,
  -- The first characters of the token, to tell tokens apart in lists; not enough to guess it.
  prefix        TEXT    NOT NULL,
  created_at    INTEGER NOT NULL,
  created_by    TEXT    NOT NULL,
  expires_at    INTEGER,
  last_used_at  INTEGER,
  revoked_at    INTEGER
);

-- Who changed what, when, from where. Never holds a request body (passwords, keys).
CREATE TABLE audit_log (
  id       INTEGER PRIMARY KEY,
  at       INTEGER NOT NULL,
  -- 'user', 'token', 'cli', 'setup' or 'anonymous' (failed logins).
  actor_kind  TEXT NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  target      TEXT,
  -- HTTP status of a change made through the API; NULL for the CLI.
  status      INTEGER,
  ip          TEXT,
  detail      TEXT CHECK (detail IS NULL OR json_valid(detail))
);
CREATE INDEX audit_log_by_time ON audit_log (at);
