-- robots.txt and llms.txt as a crawl read them, per origin (issue 13: robots.txt checks, the AI
-- crawler report, llms.txt). A projection of SiteFilesRead; the audit and GET /api/crawls/{id}/robots read it.
-- depends: 0002.pages-links-issues

CREATE TABLE site_files (
    crawl_id  uuid    NOT NULL REFERENCES crawls (id) ON DELETE CASCADE,
    kind      text    NOT NULL CHECK (kind IN ('robots.txt', 'llms.txt')),
    origin    text    NOT NULL,
    url       text    NOT NULL,
    status    integer,
    data      jsonb   NOT NULL,
    PRIMARY KEY (crawl_id, kind, origin)
);
