ALTER TABLE pages DROP COLUMN rendered;
