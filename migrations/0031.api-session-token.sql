-- A UI session belongs to the token it was opened with: when the token changes (rotation, or a
-- new API_TOKEN in the environment) every session opened with the old one stops working.
-- depends: 0030.api-auth

ALTER TABLE api_sessions ADD COLUMN token_hash text NOT NULL DEFAULT '';
