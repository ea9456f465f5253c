-- A submit updates its attempt row (verdict, submitted_at, time, ratings:
-- the row grows by about 40 bytes) soon after StartAttempt inserted it. On a
-- full page that update cannot stay on the page (HOT), so it inserted a new
-- entry into each of the table's four indexes: 37 of 42,891 bench updates
-- were HOT. At 70% fill a page keeps room for every row on it to grow once.
-- user_progress is updated by every submit of its user (75% HOT before).
-- Both apply to pages written from now on. In the next run of the same
-- 100k-user write bench: 40% of attempt updates and 97% of progress
-- updates were HOT.
ALTER TABLE puzzle_attempts SET (fillfactor = 70);
ALTER TABLE user_progress SET (fillfactor = 90);
