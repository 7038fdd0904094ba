-- The crawl's working frontier and the page, link and issue projections.
-- depends: 0001.event-log-and-queue

-- The frontier is the worker's working set (discovered, queued, in progress, done). It is
-- operational state, not a projection: it changes in the same transaction as the PagesCrawled
-- append that marks its URLs done, so a crashed crawl resumes exactly where it committed.
-- Its id is the page's id, carried in the event, so rebuilt projections keep the same ids.
CREATE TABLE frontier (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    crawl_id    uuid        NOT NULL,
    url         text        NOT NULL,
    depth       integer     NOT NULL,
    referrer    text,
    state       text        NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'in_progress', 'done', 'skipped')),
    in_sitemap  boolean     NOT NULL DEFAULT false,
    discovered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT frontier_crawl_url UNIQUE (crawl_id, url)
);
CREATE INDEX frontier_next ON frontier (crawl_id, depth, id) WHERE state = 'queued';

CREATE TABLE pages (
    id                       bigint      PRIMARY KEY,
    crawl_id                 uuid        NOT NULL REFERENCES crawls (id) ON DELETE CASCADE,
    url                      text        NOT NULL,
    final_url                text,
    status_code              integer,
    error                    text,
    redirect_chain           jsonb       NOT NULL DEFAULT '[]'::jsonb,
    content_type             text,
    charset                  text,
    size_bytes               integer,
    response_time_ms         double precision,
    ttfb_ms                  double precision,
    depth                    integer     NOT NULL DEFAULT 0,
    referrer                 text,
    blocked_by_robots        boolean     NOT NULL DEFAULT false,
    indexable                boolean     NOT NULL DEFAULT false,
    indexability_reason      text,
    title                    text,
    title_length             integer,
    title_count              integer     NOT NULL DEFAULT 0,
    meta_description         text,
    meta_description_length  integer,
    h1                       text[]      NOT NULL DEFAULT '{}',
    h2                       text[]      NOT NULL DEFAULT '{}',
    canonical                text,
    canonicals               text[]      NOT NULL DEFAULT '{}',
    meta_robots              text,
    x_robots_tag             text,
    hreflang                 jsonb       NOT NULL DEFAULT '[]'::jsonb,
    lang                     text,
    viewport                 text,
    meta_refresh             text,
    word_count               integer,
    content_hash             text,
    simhash                  bigint,
    inlinks_count            integer     NOT NULL DEFAULT 0,
    outlinks_count           integer     NOT NULL DEFAULT 0,
    external_links_count     integer     NOT NULL DEFAULT 0,
    images_count             integer     NOT NULL DEFAULT 0,
    images_missing_alt       integer     NOT NULL DEFAULT 0,
    mixed_content_count      integer     NOT NULL DEFAULT 0,
    structured_data_types    text[]      NOT NULL DEFAULT '{}',
    open_graph               jsonb       NOT NULL DEFAULT '{}'::jsonb,
    in_sitemap               boolean     NOT NULL DEFAULT false,
    near_duplicate_of        bigint,
    near_duplicate_similarity double precision,
    crawled_at               timestamptz NOT NULL,
    CONSTRAINT pages_crawl_url UNIQUE (crawl_id, url)
);
CREATE INDEX pages_crawl_status ON pages (crawl_id, status_code, id);
CREATE INDEX pages_crawl_content_hash ON pages (crawl_id, content_hash) WHERE content_hash IS NOT NULL;

CREATE TABLE links (
    crawl_id    uuid    NOT NULL REFERENCES crawls (id) ON DELETE CASCADE,
    source_id   bigint  NOT NULL,
    ordinal     integer NOT NULL,
    target_url  text    NOT NULL,
    anchor      text,
    rel         text,
    internal    boolean NOT NULL,
    PRIMARY KEY (source_id, ordinal)
);
CREATE INDEX links_crawl_target ON links (crawl_id, target_url);

CREATE TABLE issues (
    crawl_id  uuid   NOT NULL REFERENCES crawls (id) ON DELETE CASCADE,
    page_id   bigint NOT NULL,
    code      text   NOT NULL,
    severity  text   NOT NULL CHECK (severity IN ('error', 'warning', 'notice')),
    details   jsonb  NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (crawl_id, code, page_id)
);
CREATE INDEX issues_page ON issues (page_id);
