ALTER TABLE schedules DROP COLUMN own_settings;
