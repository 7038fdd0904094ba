-- The api's credentials: the hashed API token, UI sessions and failed-login counters.
-- Secrets stay out of the event log on purpose (the log is replayed, exported and kept forever),
-- so these tables are not projections and a rebuild leaves them alone.
-- depends: 0002.pages-links-issues

-- At most one row: the SHA-256 of the generated token (only used when API_TOKEN is unset).
CREATE TABLE api_token (
    id          smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    token_hash  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- UI sessions: the cookie holds a random id; only its SHA-256 is stored. Rotating the token
-- deletes every session.
CREATE TABLE api_sessions (
    id_hash     text        PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX api_sessions_expiry ON api_sessions (expires_at);

-- Failed logins per client address in the current window (rate limiting POST /api/session).
CREATE TABLE api_login_failures (
    client        text        PRIMARY KEY,
    failures      integer     NOT NULL,
    window_start  timestamptz NOT NULL
);
