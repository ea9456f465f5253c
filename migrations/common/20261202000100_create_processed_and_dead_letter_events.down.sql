DROP TABLE dead_letter_events;
DROP TABLE processed_events;
