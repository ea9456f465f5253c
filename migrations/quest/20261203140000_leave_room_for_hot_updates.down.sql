ALTER TABLE puzzle_attempts RESET (fillfactor);
ALTER TABLE user_progress RESET (fillfactor);
