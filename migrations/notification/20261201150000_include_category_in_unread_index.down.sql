-- Back to the unread index of 20261201130000 (without the category).
DROP INDEX notification_logs_unread_idx;
CREATE INDEX notification_logs_unread_idx
    ON notification_logs (user_id, created_at DESC, id DESC)
    WHERE read_at IS NULL AND archived_at IS NULL AND deleted_at IS NULL AND in_inbox;
