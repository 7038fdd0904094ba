-- The crawl list shows a summary of each crawl, never its settings: a list-mode crawl carries up
-- to 100,000 URLs there, and reading `settings` for every row of a list page detoasts all of them.
-- These columns are computed once, when the projection writes the row, so the list reads small
-- columns only; being generated, they need no projection code and survive a rebuild.
-- depends: 0040.claim-in-one-statement

ALTER TABLE crawls
    ADD COLUMN mode text GENERATED ALWAYS AS (coalesce(settings->>'mode', 'spider')) STORED,
    ADD COLUMN max_pages integer GENERATED ALWAYS AS ((settings->>'max_pages')::integer) STORED,
    ADD COLUMN urls_count integer GENERATED ALWAYS AS (
        CASE WHEN jsonb_typeof(settings->'urls') = 'array' THEN jsonb_array_length(settings->'urls') ELSE 0 END
    ) STORED;
