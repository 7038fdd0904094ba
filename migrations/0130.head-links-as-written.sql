-- Canonical and hreflang links as written, and where they were found (issue 13: an invalid
-- canonical such as file:///... is kept and reported, not dropped; only <head> and Link headers count).
-- depends: 0002.pages-links-issues

ALTER TABLE pages
    ADD COLUMN canonical_raw text,
    ADD COLUMN canonical_links jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN hreflang_outside_head integer NOT NULL DEFAULT 0;
