-- The desired schema of social_db's own tables, declared in one place.
-- (Tables every service has are in common/schema.sql.) Change it, then
--   bazel run //social:migrate -- generate --name=<what_changed> --admin-url=...
-- writes the migration that gets the database here (see README).

-- ===== Friend graph (social/friend_store.cc): friend_requests, friendships,
-- user_blocks, friendship_events, friend_suggestion_lists. =====

-- Pending requests. An expired one (expires_at <= now()) counts as absent;
-- the expiry sweep deletes it in batches.
CREATE TABLE friend_requests (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    requester_id uuid NOT NULL,
    recipient_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at timestamptz NOT NULL,
    CONSTRAINT friend_requests_requester_id_recipient_id_key UNIQUE (requester_id, recipient_id),
    CONSTRAINT friend_requests_check CHECK (requester_id <> recipient_id)
);

-- ListFriends(REQUEST_RECEIVED / REQUEST_SENT), newest first; the sweep.
CREATE INDEX friend_requests_recipient_id_created_at_idx
    ON friend_requests (recipient_id, created_at DESC, requester_id DESC);
CREATE INDEX friend_requests_requester_id_created_at_idx
    ON friend_requests (requester_id, created_at DESC, recipient_id DESC);
CREATE INDEX friend_requests_expires_at_idx ON friend_requests (expires_at);

-- One row per direction (both written and deleted together): every
-- per-user read (ListFriends, mutual friends, suggestions) is an index scan
-- on user_id without an OR over two columns.
CREATE TABLE friendships (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    friend_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT friendships_user_id_friend_id_key UNIQUE (user_id, friend_id),
    CONSTRAINT friendships_check CHECK (user_id <> friend_id)
);

CREATE INDEX friendships_user_id_created_at_idx
    ON friendships (user_id, created_at DESC, friend_id DESC);

-- One-sided blocks. The unique index answers "does a block b" and, in the
-- other arm of the OR, "does b block a" (chat reads this table directly).
CREATE TABLE user_blocks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    blocker_id uuid NOT NULL,
    blocked_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT user_blocks_blocker_id_blocked_id_key UNIQUE (blocker_id, blocked_id),
    CONSTRAINT user_blocks_check CHECK (blocker_id <> blocked_id)
);

CREATE INDEX user_blocks_blocker_id_created_at_idx
    ON user_blocks (blocker_id, created_at DESC, blocked_id DESC);
CREATE INDEX user_blocks_blocked_id_blocker_id_idx ON user_blocks (blocked_id, blocker_id);

-- What happened to a pair: actor_id did `action` to subject_id (for
-- `expired`, actor_id is the requester whose request lapsed). pair_id is
-- Friendship.pair_id.
CREATE TABLE friendship_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    pair_id uuid NOT NULL,
    actor_id uuid NOT NULL,
    subject_id uuid NOT NULL,
    action text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT friendship_events_action_check CHECK (action IN ('requested', 'accepted',
        'declined', 'cancelled', 'removed', 'blocked', 'unblocked', 'expired'))
);

-- ListFriendHistory newest first: of one pair (pair_id), or of every pair
-- of a user as actor and as subject, each one index range that seeks to the
-- keyset position (an OR of the two columns would scan the table).
CREATE INDEX friendship_events_pair_id_created_at_idx ON friendship_events (pair_id, created_at);
CREATE INDEX friendship_events_actor_id_created_at_idx
    ON friendship_events (actor_id, created_at DESC, id DESC);
CREATE INDEX friendship_events_subject_id_created_at_idx
    ON friendship_events (subject_id, created_at DESC, id DESC);

-- Each user's best friends-of-friends, precomputed by the suggestion
-- refresher (social/suggestion_store.cc); served only while stale_since is
-- null, else SuggestFriends computes live. The arrays run in step, best
-- first (mutual count descending, then candidate id descending).
CREATE TABLE friend_suggestion_lists (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    candidate_ids uuid[] NOT NULL DEFAULT '{}',
    mutual_friend_counts integer[] NOT NULL DEFAULT '{}',
    computed_at timestamptz,
    stale_since timestamptz,
    CONSTRAINT friend_suggestion_lists_user_id_key UNIQUE (user_id),
    CONSTRAINT friend_suggestion_lists_arrays_in_step
        CHECK (cardinality(candidate_ids) = cardinality(mutual_friend_counts))
) WITH (toast_tuple_target = 8160);

CREATE INDEX friend_suggestion_lists_stale_since_idx ON friend_suggestion_lists (stale_since)
    WHERE stale_since IS NOT NULL;
CREATE INDEX friend_suggestion_lists_computed_at_idx ON friend_suggestion_lists (computed_at)
    WHERE stale_since IS NULL;

-- ===== Guilds (social/guild_store.cc): guilds, guild_members,
-- guild_audit_log. =====

-- member_count is kept in the transaction of every membership change, under
-- the guild row's lock (SELECT ... FOR UPDATE); the CHECK is the last guard.
CREATE TABLE guilds (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    name_key text NOT NULL,
    description text NOT NULL DEFAULT '',
    open boolean NOT NULL,
    max_members integer NOT NULL,
    member_count integer NOT NULL DEFAULT 0,
    owner_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT guilds_name_key_check CHECK (name_key = lower(name)),
    CONSTRAINT guilds_max_members_check CHECK (max_members >= 1 AND max_members <= 10000),
    CONSTRAINT guilds_member_count_check
        CHECK (member_count >= 0 AND member_count <= max_members),
    CONSTRAINT guilds_name_key_key UNIQUE (name_key)
);

-- SearchGuilds: name_key LIKE 'prefix%' and the keyset order (name_key, id)
-- as one index range scan (byte order, so LIKE can use it in any locale).
CREATE INDEX guilds_name_key_c_idx ON guilds (name_key COLLATE "C", id);

-- Read by chat (social/chat_store.cc): state, muted_until and role of
-- (guild_id, user_id).
CREATE TABLE guild_members (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    guild_id uuid NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    role text NOT NULL DEFAULT 'member',
    state text NOT NULL,
    ban_reason text NOT NULL DEFAULT '',
    banned_until timestamptz,
    muted_until timestamptz,
    joined_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT guild_members_role_check CHECK (role IN ('owner', 'admin', 'member')),
    CONSTRAINT guild_members_state_check CHECK (state IN ('member', 'join_request', 'banned')),
    CONSTRAINT guild_members_guild_id_user_id_key UNIQUE (guild_id, user_id)
);

-- ListGuildMembers: a guild's rows, oldest first.
CREATE INDEX guild_members_guild_id_joined_at_idx ON guild_members (guild_id, joined_at, user_id);
-- ListUserGuilds: a user's memberships, newest first.
CREATE INDEX guild_members_user_id_joined_at_idx
    ON guild_members (user_id, joined_at DESC, guild_id DESC) WHERE state = 'member';

CREATE TABLE guild_audit_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    guild_id uuid NOT NULL REFERENCES guilds (id) ON DELETE CASCADE,
    actor_id uuid NOT NULL,
    action text NOT NULL,
    target_id uuid,
    details text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- ListGuildAuditLog: newest first.
CREATE INDEX guild_audit_log_guild_id_created_at_idx
    ON guild_audit_log (guild_id, created_at DESC, id DESC);

-- ===== Chat (social/chat_store.cc): chat_channels, chat_messages,
-- chat_message_edits, channel_read_marks. =====

CREATE TABLE chat_channels (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL,
    user_low_id uuid,
    user_high_id uuid,
    guild_id uuid REFERENCES guilds (id) ON DELETE CASCADE,
    last_sequence bigint NOT NULL DEFAULT 0,
    last_message_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT chat_channels_kind_check CHECK (kind IN ('direct', 'guild')),
    CONSTRAINT chat_channels_members_check CHECK (
        (kind = 'direct' AND guild_id IS NULL AND user_low_id IS NOT NULL
         AND user_high_id IS NOT NULL AND user_low_id < user_high_id)
        OR (kind = 'guild' AND guild_id IS NOT NULL AND user_low_id IS NULL
            AND user_high_id IS NULL)),
    CONSTRAINT chat_channels_user_low_id_user_high_id_key UNIQUE (user_low_id, user_high_id),
    CONSTRAINT chat_channels_guild_id_key UNIQUE (guild_id)
);

-- ListChannels: a user's direct channels on either side, by last activity.
CREATE INDEX chat_channels_user_low_id_last_message_at_idx
    ON chat_channels (user_low_id, last_message_at DESC, id DESC);
CREATE INDEX chat_channels_user_high_id_last_message_at_idx
    ON chat_channels (user_high_id, last_message_at DESC, id DESC);

CREATE TABLE chat_messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    channel_id uuid NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    sequence bigint NOT NULL,
    sender_id uuid,
    kind text NOT NULL,
    text text NOT NULL,
    metadata jsonb,
    client_message_id text,
    edited boolean NOT NULL DEFAULT false,
    deleted boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    edited_at timestamptz,
    deleted_at timestamptz,
    CONSTRAINT chat_messages_kind_check CHECK (kind IN ('text', 'system')),
    CONSTRAINT chat_messages_sender_id_check CHECK ((kind = 'system') = (sender_id IS NULL)),
    CONSTRAINT chat_messages_sequence_check CHECK (sequence >= 1),
    CONSTRAINT chat_messages_channel_id_sequence_key UNIQUE (channel_id, sequence),
    CONSTRAINT chat_messages_channel_id_sender_id_client_message_id_key
        UNIQUE (channel_id, sender_id, client_message_id)
);

-- ListMessages from a point in time: the time is resolved to a sequence.
CREATE INDEX chat_messages_channel_id_created_at_idx ON chat_messages (channel_id, created_at);

CREATE TABLE chat_message_edits (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    chat_message_id uuid NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    previous_text text NOT NULL,
    edited_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX chat_message_edits_chat_message_id_idx
    ON chat_message_edits (chat_message_id, edited_at);

CREATE TABLE channel_read_marks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    channel_id uuid NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    last_read_sequence bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT channel_read_marks_channel_id_user_id_key UNIQUE (channel_id, user_id)
);
