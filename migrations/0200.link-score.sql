-- Internal link score (0-100, shared.audit.linkscore): computed when a crawl completes.
-- depends: 0040.claim-in-one-statement

ALTER TABLE pages ADD COLUMN link_score double precision;
