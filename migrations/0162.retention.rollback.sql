DELETE FROM events WHERE type IN ('CrawlPurged', 'RetentionApplied');
DROP INDEX events_stream_type;
DROP TABLE retention_checks;
