-- GetUnreadCount groups a user's unread notifications by category. With the
-- category in the unread partial index (INCLUDE: stored, not a key) that is
-- an index-only scan, instead of a heap fetch per unread row. Same key
-- columns and predicate as before; ListNotifications (UNREAD) and
-- MarkAllRead keep using it. A plain (not CONCURRENTLY) build: migrations run
-- in a transaction, and the table is small next to the deliveries.
DROP INDEX notification_logs_unread_idx;
CREATE INDEX notification_logs_unread_idx
    ON notification_logs (user_id, created_at DESC, id DESC) INCLUDE (category)
    WHERE read_at IS NULL AND archived_at IS NULL AND deleted_at IS NULL AND in_inbox;
