-- The desired schema of social_db's own tables, declared in one place.
-- (Tables every service has are in common/schema.sql.) Change it, then
--   bazel run //social:migrate -- generate --name=<what_changed> --admin-url=...
-- writes the migration that gets the database here (see README).

-- ===== Friend graph (social/friend_store.cc): friend_requests, friendships,
-- user_blocks, friendship_events. =====

-- ===== Guilds (social/guild_store.cc): guilds, guild_members,
-- guild_audit_log. =====

-- ===== Chat (social/chat_store.cc): chat_channels, chat_messages,
-- chat_message_edits, channel_read_marks. =====
