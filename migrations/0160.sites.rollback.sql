-- Forget sites and summaries (their events too: a later re-apply appends them again).
DELETE FROM events WHERE type IN ('SiteCreated', 'SiteSettingsChanged', 'SiteDeleted', 'CrawlSummarized');
UPDATE crawls c SET version = (SELECT max(e.version) FROM events e WHERE e.stream_id = 'crawl-' || c.id);
DROP FUNCTION crawl_summary(uuid);
DROP TABLE crawl_summaries;
DROP INDEX schedules_site_id;
ALTER TABLE schedules DROP COLUMN site_id;
DROP INDEX crawls_site_id;
ALTER TABLE crawls DROP COLUMN site_id;
DROP TABLE sites;
