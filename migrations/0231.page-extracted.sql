-- Custom extraction (issue 18): each page's values by rule name (CONTRACT.md's `extracted`) and, by
-- rule name, why a rule fell short on that page (skipped, cut at a bound, stopped for time).
-- depends: 0230.link-url-rules

ALTER TABLE pages
    ADD COLUMN extracted         jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN extraction_errors jsonb NOT NULL DEFAULT '{}'::jsonb;
