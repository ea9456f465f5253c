-- Guilds (social/guild_store.cc): guilds, guild_members, guild_audit_log.
DROP TABLE "guild_audit_log";
DROP TABLE "guild_members";
DROP TABLE "guilds";
