-- Alerts: the vault (encrypted secrets), delivery channels, rules per site, what each crawl found at
-- robots.txt and the sitemaps, the alert checks still to run, the alerts raised and their deliveries.
-- depends: 0160.sites

-- Not projections (like api_token): secrets stay out of the event log, which carries references.
-- At most one row: the key generated on first start when SECRET_KEY is unset.
CREATE TABLE vault_key (
    id          smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    key         text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE vault_secrets (
    id          uuid        PRIMARY KEY,
    purpose     text        NOT NULL,
    key_id      text        NOT NULL,  -- which key of the ring encrypted it (rotation moves them all to the first)
    ciphertext  text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE channels (
    id          uuid        PRIMARY KEY,
    type        text        NOT NULL CHECK (type IN ('webhook', 'slack', 'telegram', 'email')),
    name        text        NOT NULL,
    language    text        NOT NULL CHECK (language IN ('en', 'ru')),
    config      jsonb       NOT NULL,
    secret_ref  uuid,
    created_at  timestamptz NOT NULL,
    version     integer     NOT NULL
);

CREATE TABLE alert_rules (
    id          uuid        PRIMARY KEY,
    site_id     uuid        NOT NULL,
    kind        text        NOT NULL,
    params      jsonb       NOT NULL,
    channels    uuid[]      NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX alert_rules_site ON alert_rules (site_id);

CREATE TABLE crawl_files (
    crawl_id      uuid    PRIMARY KEY REFERENCES crawls (id) ON DELETE CASCADE,
    robots_url    text,
    robots_status integer,
    robots_txt    text,
    robots_error  text,
    sitemap_urls  integer
);

-- Crawls (completed or failed) whose site's rules are still to be evaluated: an outbox the workers
-- claim with SKIP LOCKED under a lease (attempts and lease are operational, not projected).
CREATE TABLE alert_checks (
    crawl_id         uuid        PRIMARY KEY,
    site_id          uuid        NOT NULL,
    created_at       timestamptz NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    lease_owner      text,
    lease_expires_at timestamptz
);

CREATE TABLE alerts (
    id                uuid        PRIMARY KEY,
    site_id           uuid        NOT NULL,
    rule_id           uuid        NOT NULL,
    crawl_id          uuid        NOT NULL,
    previous_crawl_id uuid,
    kind              text        NOT NULL,
    params            jsonb       NOT NULL,
    evidence          jsonb       NOT NULL,
    raised_at         timestamptz NOT NULL
);
CREATE INDEX alerts_raised ON alerts (raised_at DESC, id DESC);
CREATE INDEX alerts_site ON alerts (site_id, raised_at DESC, id DESC);

-- One row per alert and channel: the outbox the workers send from.
CREATE TABLE deliveries (
    id               uuid        PRIMARY KEY,
    alert_id         uuid        NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    channel_id       uuid        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    available_at     timestamptz NOT NULL,
    lease_owner      text,
    lease_expires_at timestamptz,
    last_error       text,
    delivered_at     timestamptz,
    updated_at       timestamptz NOT NULL,
    version          integer     NOT NULL
);
-- The claim's index: pending, unleased deliveries in the order they fall due.
CREATE INDEX deliveries_ready ON deliveries (available_at) WHERE status = 'pending' AND lease_owner IS NULL;
-- The reaper's index: leases by expiry.
CREATE INDEX deliveries_leases ON deliveries (lease_expires_at) WHERE status = 'pending' AND lease_owner IS NOT NULL;
CREATE INDEX deliveries_alert ON deliveries (alert_id);

-- Crawls whose pages, links and issues retention deleted (CrawlPurged): their summary stays.
CREATE TABLE crawl_purges (
    crawl_id     uuid        PRIMARY KEY REFERENCES crawls (id) ON DELETE CASCADE,
    purged_at    timestamptz NOT NULL,
    bytes_freed  bigint      NOT NULL,
    rows_deleted bigint      NOT NULL
);
