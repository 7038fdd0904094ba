ALTER TABLE pages DROP COLUMN extracted, DROP COLUMN extraction_errors;
