DROP TABLE api_login_failures;
DROP TABLE api_sessions;
DROP TABLE api_token;
