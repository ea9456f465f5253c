-- Chat logs (social/chat_store.cc): channels, messages with a per-channel
-- sequence, the previous texts of edited messages, read marks.
-- Reads guilds / guild_members (20261201121000) and user_blocks (friend graph).
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
