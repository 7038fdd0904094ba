-- A schedule keeps the crawl settings it set itself (ScheduleCreated.own_settings), so each run lays
-- them over its site's defaults as they are then: a later change of the defaults reaches it (issue 15).
-- NULL for schedules made before: their runs use `settings` as stored.
-- depends: 0160.sites

ALTER TABLE schedules ADD COLUMN own_settings jsonb;
