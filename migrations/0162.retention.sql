-- Retention: sites whose completed crawls outnumber what they keep, waiting for a worker to purge
-- the oldest (an outbox like alert_checks; the lease and attempts are operational).
-- depends: 0161.alerts

CREATE TABLE retention_checks (
    site_id          uuid        PRIMARY KEY,
    created_at       timestamptz NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    lease_owner      text,
    lease_expires_at timestamptz
);
-- Events of one type in one stream (retention deletes a purged crawl's page events this way).
CREATE INDEX events_stream_type ON events (stream_id, type);
