-- The event log (source of truth) and the projections the platform core needs:
-- crawls, the work queue (parsequeue, the name the previous system used) and schedules.
-- depends:

CREATE TABLE events (
    position    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id   text        NOT NULL,
    version     integer     NOT NULL CHECK (version > 0),
    type        text        NOT NULL,
    data        jsonb       NOT NULL,
    metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The writing transaction: followers read only below the oldest transaction still in
    -- flight, so an event whose position was taken early but committed late is never skipped.
    txid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT events_stream_version UNIQUE (stream_id, version)
);
CREATE INDEX events_txid_position ON events (txid, position);

CREATE TABLE crawls (
    id               uuid        PRIMARY KEY,
    url              text        NOT NULL,
    site             text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'completed', 'failed', 'cancelled')),
    settings         jsonb       NOT NULL,
    schedule_id      uuid,
    pages_crawled    integer     NOT NULL DEFAULT 0,
    pages_discovered integer     NOT NULL DEFAULT 0,
    errors_count     integer     NOT NULL DEFAULT 0,
    issues_count     integer     NOT NULL DEFAULT 0,
    attempts         integer     NOT NULL DEFAULT 0,
    worker_id        text,
    error            text,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz,
    updated_at       timestamptz NOT NULL,
    version          integer     NOT NULL
);
CREATE INDEX crawls_created ON crawls (created_at DESC, id DESC);
CREATE INDEX crawls_site ON crawls (site, created_at DESC);

-- One row per crawl that wants a worker (queued, waiting for a retry, or leased).
CREATE TABLE parsequeue (
    crawl_id         uuid        PRIMARY KEY REFERENCES crawls (id) ON DELETE CASCADE,
    enqueued_at      timestamptz NOT NULL,
    available_at     timestamptz NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    lease_owner      text,
    leased_at        timestamptz,
    lease_expires_at timestamptz
);
-- The claim query's index: unleased rows in the order they are served.
CREATE INDEX parsequeue_ready ON parsequeue (available_at, enqueued_at) WHERE lease_owner IS NULL;
-- The reaper's index: leases by expiry.
CREATE INDEX parsequeue_leases ON parsequeue (lease_expires_at) WHERE lease_owner IS NOT NULL;

CREATE TABLE schedules (
    id            uuid        PRIMARY KEY,
    url           text        NOT NULL,
    cron          text        NOT NULL,
    timezone      text        NOT NULL,
    settings      jsonb       NOT NULL,
    created_at    timestamptz NOT NULL,
    last_fire_at  timestamptz,
    last_crawl_id uuid,
    version       integer     NOT NULL
);
