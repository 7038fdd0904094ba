-- The near-duplicate sketches of a crawl's pages (issue 13): per page the 128-slot MinHash signature
-- of its word 3-shingles (512 bytes) and the bottom-k sketch of them (up to 2 KB), written by the
-- worker with each page batch and read by the site-wide near-duplicate pass. Working data of the
-- crawl like its frontier, not a projection (the log carries the pass's result, not its input): the
-- worker deletes them when the crawl completes, retention with the rest of a crawl's page data.
-- depends: 0162.retention

CREATE TABLE page_sketches (
    crawl_id  uuid   NOT NULL,  -- no foreign key: like the frontier's, these rows outlive a projection rebuild
    page_id   bigint NOT NULL,
    signature bytea  NOT NULL,
    sketch    bytea  NOT NULL,
    PRIMARY KEY (crawl_id, page_id)
);
