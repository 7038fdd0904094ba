DELETE FROM events WHERE type IN ('SiteFilesRead', 'ChannelCreated', 'ChannelDeleted', 'AlertRuleCreated',
    'AlertRuleDeleted', 'AlertsChecked', 'AlertRaised', 'DeliveryAttempted', 'DeliverySucceeded',
    'DeliveryAttemptFailed', 'DeliveryFailed', 'DeliveryLeaseExpired');
UPDATE crawls c SET version = (SELECT max(e.version) FROM events e WHERE e.stream_id = 'crawl-' || c.id);
DROP TABLE crawl_purges;
DROP TABLE deliveries;
DROP TABLE alerts;
DROP TABLE alert_checks;
DROP TABLE crawl_files;
DROP TABLE alert_rules;
DROP TABLE channels;
DROP TABLE vault_secrets;
DROP TABLE vault_key;
