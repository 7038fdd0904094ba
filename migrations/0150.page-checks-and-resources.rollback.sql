DROP TABLE IF EXISTS resources;
ALTER TABLE pages
    DROP COLUMN IF EXISTS structured_data,
    DROP COLUMN IF EXISTS structured_data_errors,
    DROP COLUMN IF EXISTS resources,
    DROP COLUMN IF EXISTS anchor_problems,
    DROP COLUMN IF EXISTS security_headers,
    DROP COLUMN IF EXISTS cookies,
    DROP COLUMN IF EXISTS form_actions,
    DROP COLUMN IF EXISTS has_doctype,
    DROP COLUMN IF EXISTS charset_declared,
    DROP COLUMN IF EXISTS pagination,
    DROP COLUMN IF EXISTS twitter_card,
    DROP COLUMN IF EXISTS text_excerpt,
    DROP COLUMN IF EXISTS lorem_ipsum;
