-- The desired schema of notification_db's own tables, declared in one place.
-- (Tables every service has are in common/schema.sql.) Change it, then
--   bazel run //notification:migrate -- generate --name=<what_changed> --admin-url=...
-- writes the migration that gets the database here (see README).

-- ===== Token registry (notification/token_store.cc) =====

-- One row per app installation (app_id, device_id): its current token. A
-- token belongs to one row only (registering it elsewhere moves it). The
-- delivery worker sets invalidated_at / invalid_reason when the provider
-- reports the token gone; such a row is never used again.
CREATE TABLE push_tokens (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    app_id text NOT NULL,
    device_id text NOT NULL,
    platform text NOT NULL,
    token text NOT NULL,
    app_version text NOT NULL DEFAULT '',
    locale text NOT NULL DEFAULT '',
    time_zone text NOT NULL DEFAULT '',
    apns_sandbox boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_seen_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    invalidated_at timestamptz,
    invalid_reason text,
    CONSTRAINT push_tokens_app_id_device_id_key UNIQUE (app_id, device_id),
    CONSTRAINT push_tokens_platform_token_key UNIQUE (platform, token),
    CONSTRAINT push_tokens_platform_check CHECK (platform IN ('fcm', 'apns', 'web_push'))
);

-- ListPushTokens and the tokens of SendNotification's recipients.
CREATE INDEX push_tokens_user_id_last_seen_at_idx ON push_tokens (user_id, last_seen_at DESC);
-- The stale-token prune, oldest first.
CREATE INDEX push_tokens_last_seen_at_idx ON push_tokens (last_seen_at);

-- ===== Inbox (notification/inbox_store.cc) =====

-- One row per recipient of a SendNotification. sender_id NULL = the system.
-- in_inbox is false when the recipient muted the category's inbox: the row
-- still carries the push payload, but the inbox never shows it. deleted_at:
-- removed from the inbox by the user (kept for its deliveries until the
-- retention prune).
CREATE TABLE notification_logs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    sender_id uuid,
    category text NOT NULL,
    title text NOT NULL DEFAULT '',
    body text NOT NULL DEFAULT '',
    data jsonb NOT NULL DEFAULT '{}'::jsonb,
    deep_link text NOT NULL DEFAULT '',
    priority text NOT NULL DEFAULT 'normal',
    collapse_key text NOT NULL DEFAULT '',
    time_to_live_seconds integer NOT NULL DEFAULT 0,
    expires_at timestamptz,
    in_inbox boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    seen_at timestamptz,
    read_at timestamptz,
    archived_at timestamptz,
    deleted_at timestamptz,
    CONSTRAINT notification_logs_priority_check CHECK (priority IN ('normal', 'high')),
    CONSTRAINT notification_logs_time_to_live_seconds_check
        CHECK (time_to_live_seconds BETWEEN 0 AND 2419200)
);

-- ListNotifications (ALL, ARCHIVED), newest first.
CREATE INDEX notification_logs_user_id_created_at_idx
    ON notification_logs (user_id, created_at DESC, id DESC);
-- ListNotifications (UNREAD), GetUnreadCount and MarkAllRead: only the
-- unread rows, so a user's read history does not slow the badge; the
-- category is included so GetUnreadCount is an index-only scan.
CREATE INDEX notification_logs_unread_idx
    ON notification_logs (user_id, created_at DESC, id DESC) INCLUDE (category)
    WHERE read_at IS NULL AND archived_at IS NULL AND deleted_at IS NULL AND in_inbox;
-- ListNotifications (UNSEEN).
CREATE INDEX notification_logs_unseen_idx
    ON notification_logs (user_id, created_at DESC, id DESC)
    WHERE seen_at IS NULL AND archived_at IS NULL AND deleted_at IS NULL AND in_inbox;
-- The retention prune, oldest first.
CREATE INDEX notification_logs_created_at_idx ON notification_logs (created_at);

-- One push of a notification to one token. State machine (the delivery
-- worker owns every move after the insert):
--   queued  --claim--> sending --> sent | failed | invalid_token | expired
--   sending --retryable answer--> queued (attempts + 1, next_attempt_at later)
--   sending --lease_expires_at passed (worker died)--> claimable again
--   muted: final at insert (the recipient muted push for the category).
-- A worker claims due rows
--   SELECT id FROM deliveries WHERE state = 'queued' AND next_attempt_at <= now()
--   ORDER BY next_attempt_at LIMIT n FOR UPDATE SKIP LOCKED
-- (deliveries_queued_due_idx) and expired leases
--   ... WHERE state = 'sending' AND lease_expires_at <= now() ...
-- (deliveries_sending_lease_idx), sets state 'sending' and a lease, commits,
-- sends (only while the token row is valid and still belongs to the row's
-- user_id), and records the outcome only WHERE state = 'sending' and the
-- lease is still its own. Quiet hours set next_attempt_at to when they end. The
-- id doubles as the provider's idempotency key (apns-id; FCM message id), so
-- a re-sent push collapses on the device. The API finishes QUEUED rows of a
-- token that is unregistered, pruned or moved to another user as
-- invalid_token; push_token_id is then NULL once the token row is gone.
-- finished_at is set exactly when the state is final.
CREATE TABLE deliveries (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    notification_log_id uuid NOT NULL REFERENCES notification_logs (id) ON DELETE CASCADE,
    push_token_id uuid REFERENCES push_tokens (id) ON DELETE SET NULL,
    user_id uuid NOT NULL,
    state text NOT NULL DEFAULT 'queued',
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    lease_expires_at timestamptz,
    -- Set by the first claim: the delivery's age for the retry give-up bound
    -- (a quiet-hours hold before it does not count).
    first_attempt_at timestamptz,
    provider_message_id text,
    last_error text,
    provider_response text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    CONSTRAINT deliveries_state_check CHECK (state IN ('queued', 'sending', 'sent', 'failed',
        'invalid_token', 'muted', 'expired')),
    CONSTRAINT deliveries_finished_at_check
        CHECK ((finished_at IS NULL) = (state IN ('queued', 'sending'))),
    CONSTRAINT deliveries_attempts_check CHECK (attempts >= 0)
);

-- The delivery summary of a page of notifications, and the FK.
CREATE INDEX deliveries_notification_log_id_state_idx ON deliveries (notification_log_id, state);
-- Finishing a token's queued deliveries, and the FK.
CREATE INDEX deliveries_push_token_id_idx ON deliveries (push_token_id);
-- The worker's claim of due queued rows: an index scan in due order.
CREATE INDEX deliveries_queued_due_idx ON deliveries (next_attempt_at) WHERE state = 'queued';
-- The worker's reclaim of rows whose lease expired.
CREATE INDEX deliveries_sending_lease_idx ON deliveries (lease_expires_at)
    WHERE state = 'sending';

-- ===== Preferences (notification/preference_store.cc) =====

-- Per user and category: the channels muted. A category without a row has
-- every channel on.
CREATE TABLE notification_preferences (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    category text NOT NULL,
    inbox_muted boolean NOT NULL DEFAULT false,
    push_muted boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT notification_preferences_user_id_category_key UNIQUE (user_id, category)
);

-- At most one quiet-hours window per user (minutes after local midnight;
-- time_zone '' = each device's own zone).
CREATE TABLE quiet_hours (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    start_minute integer NOT NULL,
    end_minute integer NOT NULL,
    time_zone text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT quiet_hours_user_id_key UNIQUE (user_id),
    CONSTRAINT quiet_hours_minutes_check CHECK (start_minute BETWEEN 0 AND 1439
        AND end_minute BETWEEN 0 AND 1439 AND start_minute <> end_minute)
);
