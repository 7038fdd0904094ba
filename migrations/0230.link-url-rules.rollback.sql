ALTER TABLE links DROP COLUMN original_url, DROP COLUMN url_rules;
