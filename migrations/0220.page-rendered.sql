-- Rendered crawls (render: "chromium") store what Chromium made of each page beside the raw
-- HTML's values: the page record's `rendered` object (NULL when the crawl did not render).
-- depends: 0040.claim-in-one-statement

ALTER TABLE pages ADD COLUMN rendered jsonb;
