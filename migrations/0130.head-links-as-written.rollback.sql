ALTER TABLE pages
    DROP COLUMN hreflang_outside_head,
    DROP COLUMN canonical_links,
    DROP COLUMN canonical_raw;
