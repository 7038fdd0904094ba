DROP FUNCTION claim_crawls(text, float8, uuid[], integer, text[], text);
DROP FUNCTION project_crawl_started(uuid, text, integer, timestamptz, integer, timestamptz);
