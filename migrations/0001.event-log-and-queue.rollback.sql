DROP TABLE schedules;
DROP TABLE parsequeue;
DROP TABLE crawls;
DROP TABLE events;
