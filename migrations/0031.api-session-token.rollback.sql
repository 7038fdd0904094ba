ALTER TABLE api_sessions DROP COLUMN token_hash;
