ALTER TABLE crawls DROP COLUMN urls_count, DROP COLUMN max_pages, DROP COLUMN mode;
