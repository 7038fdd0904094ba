-- Sites: every crawl and schedule belongs to one origin, and every completed crawl keeps a summary
-- (health score, issues by severity, response times) for the trend charts.
-- depends: 0050.claim-writes-what-python-names

CREATE TABLE sites (
    id             uuid        PRIMARY KEY,
    origin         text        NOT NULL,
    url            text        NOT NULL,
    name           text        NOT NULL,
    crawl_defaults jsonb       NOT NULL DEFAULT '{}'::jsonb,
    retention      integer     NOT NULL DEFAULT 20,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    version        integer     NOT NULL
);
-- One site per origin: the first crawl of an origin creates it, every later one finds it.
CREATE UNIQUE INDEX sites_origin ON sites (origin);

ALTER TABLE crawls ADD COLUMN site_id uuid;
CREATE INDEX crawls_site_id ON crawls (site_id, created_at);
ALTER TABLE schedules ADD COLUMN site_id uuid;
CREATE INDEX schedules_site_id ON schedules (site_id);

-- What a completed crawl was, kept when retention deletes its pages (CrawlSummarized).
CREATE TABLE crawl_summaries (
    crawl_id          uuid    PRIMARY KEY REFERENCES crawls (id) ON DELETE CASCADE,
    health_score      double precision,
    pages_crawled     integer NOT NULL,
    pages_in_scope    integer NOT NULL,
    pages_with_errors integer NOT NULL,
    errors            integer NOT NULL,
    warnings          integer NOT NULL,
    notices           integer NOT NULL,
    indexable_pages   integer NOT NULL,
    response_time_p50 double precision,
    response_time_p95 double precision
);

-- The summary of a crawl from its pages and issues: the one definition of the health score
-- (docs/AUDIT.md, "Health score"), used by the worker when a crawl completes and by this
-- migration for crawls completed before it. In scope are the crawl's internal URLs that a search
-- engine would index or that are broken: indexable HTML pages that answered 2xx, URLs that answered
-- 4xx/5xx and URLs that could not be fetched (redirects, noindex, canonicalised, robots-blocked and
-- non-HTML URLs are not). A page with an error-severity issue is worth 0; any other page 1, less 0.1
-- for each distinct warning code on it (at most 5 of them). The score is the pages' mean x 100.
CREATE FUNCTION crawl_summary(p_crawl_id uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
WITH scope AS (
    SELECT p.id FROM pages p
    WHERE p.crawl_id = p_crawl_id AND NOT p.blocked_by_robots
      AND (p.error IS NOT NULL OR p.status_code >= 400 OR (p.status_code BETWEEN 200 AND 299 AND p.indexable))
), valued AS (
    SELECT s.id,
           coalesce(bool_or(i.severity = 'error'), false) AS has_error,
           count(DISTINCT i.code) FILTER (WHERE i.severity = 'warning') AS warning_codes
    FROM scope s LEFT JOIN issues i ON i.crawl_id = p_crawl_id AND i.page_id = s.id
    GROUP BY s.id
), health AS (
    SELECT count(*) AS in_scope, count(*) FILTER (WHERE has_error) AS with_errors,
           avg(CASE WHEN has_error THEN 0 ELSE 1 - 0.1 * least(warning_codes, 5) END) AS value
    FROM valued
), severities AS (
    SELECT count(*) FILTER (WHERE severity = 'error') AS errors,
           count(*) FILTER (WHERE severity = 'warning') AS warnings,
           count(*) FILTER (WHERE severity = 'notice') AS notices
    FROM issues WHERE crawl_id = p_crawl_id
), crawled AS (
    SELECT count(*) AS pages, count(*) FILTER (WHERE indexable) AS indexable,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY response_time_ms) AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms) AS p95
    FROM pages WHERE crawl_id = p_crawl_id
)
SELECT jsonb_build_object(
    'crawl_id', p_crawl_id,
    'health_score', round((100 * h.value)::numeric, 1),
    'pages_crawled', c.pages,
    'pages_in_scope', h.in_scope,
    'pages_with_errors', h.with_errors,
    'errors', s.errors, 'warnings', s.warnings, 'notices', s.notices,
    'indexable_pages', c.indexable,
    'response_time_p50', round(c.p50::numeric, 1),
    'response_time_p95', round(c.p95::numeric, 1))
FROM health h, severities s, crawled c
$$;

-- Crawls and schedules made before sites existed: one site per origin, appended to the log as
-- SiteCreated (naming the crawls and schedules it takes in) and projected like any other.
CREATE FUNCTION pg_temp.origin_of(u text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT regexp_replace(regexp_replace(
        lower(substring(u FROM '^([A-Za-z][A-Za-z0-9+.-]*://)'))
            || lower(regexp_replace(substring(u FROM '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)'), '^.*@', '')),
        '^(https://.*):443$', '\1'), '^(http://.*):80$', '\1')
$$;

CREATE TEMP TABLE backfill_sites AS
SELECT gen_random_uuid() AS site_id, origin,
       (array_agg(url ORDER BY at DESC))[1] AS url,
       min(at) AS first_at,
       coalesce(array_agg(crawl_id ORDER BY at) FILTER (WHERE crawl_id IS NOT NULL), '{}') AS crawl_ids,
       coalesce(array_agg(schedule_id ORDER BY at) FILTER (WHERE schedule_id IS NOT NULL), '{}') AS schedule_ids
FROM (SELECT pg_temp.origin_of(url) AS origin, url, created_at AS at, id AS crawl_id, NULL::uuid AS schedule_id
      FROM crawls
      UNION ALL
      SELECT pg_temp.origin_of(url), url, created_at, NULL, id FROM schedules) AS owned
GROUP BY origin;

WITH appended AS (
    INSERT INTO events (stream_id, version, type, data, metadata)
    SELECT 'site-' || b.site_id, 1, 'SiteCreated',
           jsonb_build_object('site_id', b.site_id, 'origin', b.origin, 'url', b.url,
                              'name', regexp_replace(b.origin, '^[a-z0-9+.-]*://', ''),
                              'settings', jsonb_build_object('crawl', '{}'::jsonb, 'retention', 20),
                              'attach_crawls', to_jsonb(b.crawl_ids), 'attach_schedules', to_jsonb(b.schedule_ids)),
           jsonb_build_object('actor', 'migration:0160')
    FROM backfill_sites b ORDER BY b.first_at
    RETURNING data, recorded_at, version
)
INSERT INTO sites (id, origin, url, name, crawl_defaults, retention, created_at, updated_at, version)
SELECT (data->>'site_id')::uuid, data->>'origin', data->>'url', data->>'name', '{}'::jsonb, 20,
       recorded_at, recorded_at, version
FROM appended;

UPDATE crawls c SET site_id = b.site_id FROM backfill_sites b WHERE c.id = ANY (b.crawl_ids);
UPDATE schedules s SET site_id = b.site_id FROM backfill_sites b WHERE s.id = ANY (b.schedule_ids);

-- Completed crawls get their summary the same way: CrawlSummarized at the end of their stream.
WITH appended AS (
    INSERT INTO events (stream_id, version, type, data, metadata)
    SELECT 'crawl-' || c.id,
           (SELECT max(e.version) FROM events e WHERE e.stream_id = 'crawl-' || c.id) + 1,
           'CrawlSummarized', crawl_summary(c.id), jsonb_build_object('actor', 'migration:0160')
    FROM crawls c WHERE c.status = 'completed' ORDER BY c.finished_at
    RETURNING data, recorded_at, version
), summarized AS (
    INSERT INTO crawl_summaries (crawl_id, health_score, pages_crawled, pages_in_scope, pages_with_errors,
                                 errors, warnings, notices, indexable_pages, response_time_p50, response_time_p95)
    SELECT (data->>'crawl_id')::uuid, (data->>'health_score')::float8, (data->>'pages_crawled')::int,
           (data->>'pages_in_scope')::int, (data->>'pages_with_errors')::int, (data->>'errors')::int,
           (data->>'warnings')::int, (data->>'notices')::int, (data->>'indexable_pages')::int,
           (data->>'response_time_p50')::float8, (data->>'response_time_p95')::float8
    FROM appended
)
UPDATE crawls c SET version = a.version, updated_at = a.recorded_at
FROM appended a WHERE c.id = (a.data->>'crawl_id')::uuid;

DROP TABLE backfill_sites;
DROP FUNCTION pg_temp.origin_of(text);
