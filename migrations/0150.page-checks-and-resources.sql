-- Issue 13's checks: the page fields they read, and the resources projection (one answer per
-- URL per crawl from the crawl's resource checker: images, stylesheets, scripts, icons, external
-- link targets and https probes), written from ResourcesChecked events so rebuild restores it.
-- depends: 0040.claim-in-one-statement

ALTER TABLE pages
    ADD COLUMN structured_data        jsonb   NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN structured_data_errors text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN resources              jsonb   NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN anchor_problems        jsonb   NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN security_headers       jsonb   NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN cookies                jsonb   NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN form_actions           text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN has_doctype            boolean,
    ADD COLUMN charset_declared       boolean,
    ADD COLUMN pagination             jsonb   NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN twitter_card           jsonb   NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN text_excerpt           text,
    ADD COLUMN lorem_ipsum            boolean NOT NULL DEFAULT false;

CREATE TABLE resources (
    crawl_id     uuid        NOT NULL REFERENCES crawls (id) ON DELETE CASCADE,
    url          text        NOT NULL,
    status_code  integer,
    final_url    text,
    content_type text,
    size_bytes   bigint,
    error        text,
    checked_at   timestamptz NOT NULL,
    PRIMARY KEY (crawl_id, url)
);
