DROP TABLE quiet_hours;
DROP TABLE notification_preferences;
DROP TABLE deliveries;
DROP TABLE notification_logs;
DROP TABLE push_tokens;
