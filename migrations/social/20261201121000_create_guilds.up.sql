-- Guilds (social/guild_store.cc): guilds, guild_members, guild_audit_log.
CREATE TABLE "guilds" (
    "id" uuid DEFAULT gen_random_uuid() NOT NULL,
    "name" text NOT NULL,
    "name_key" text NOT NULL,
    "description" text DEFAULT ''::text NOT NULL,
    "open" boolean NOT NULL,
    "max_members" integer NOT NULL,
    "member_count" integer DEFAULT 0 NOT NULL,
    "owner_id" uuid NOT NULL,
    "created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    "updated_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
CREATE TABLE "guild_members" (
    "id" uuid DEFAULT gen_random_uuid() NOT NULL,
    "guild_id" uuid NOT NULL,
    "user_id" uuid NOT NULL,
    "role" text DEFAULT 'member'::text NOT NULL,
    "state" text NOT NULL,
    "ban_reason" text DEFAULT ''::text NOT NULL,
    "banned_until" timestamp with time zone,
    "muted_until" timestamp with time zone,
    "joined_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
CREATE TABLE "guild_audit_log" (
    "id" uuid DEFAULT gen_random_uuid() NOT NULL,
    "guild_id" uuid NOT NULL,
    "actor_id" uuid NOT NULL,
    "action" text NOT NULL,
    "target_id" uuid,
    "details" text DEFAULT ''::text NOT NULL,
    "created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
CREATE INDEX guild_audit_log_guild_id_created_at_idx ON public.guild_audit_log USING btree (guild_id, created_at DESC, id DESC);
CREATE INDEX guild_members_guild_id_joined_at_idx ON public.guild_members USING btree (guild_id, joined_at, user_id);
CREATE INDEX guild_members_user_id_joined_at_idx ON public.guild_members USING btree (user_id, joined_at DESC, guild_id DESC) WHERE (state = 'member'::text);
CREATE INDEX guilds_name_key_c_idx ON public.guilds USING btree (name_key COLLATE "C", id);
ALTER TABLE "guild_audit_log" ADD CONSTRAINT "guild_audit_log_pkey" PRIMARY KEY (id);
ALTER TABLE "guild_members" ADD CONSTRAINT "guild_members_guild_id_user_id_key" UNIQUE (guild_id, user_id);
ALTER TABLE "guild_members" ADD CONSTRAINT "guild_members_pkey" PRIMARY KEY (id);
ALTER TABLE "guild_members" ADD CONSTRAINT "guild_members_role_check" CHECK ((role = ANY (ARRAY['owner'::text, 'admin'::text, 'member'::text])));
ALTER TABLE "guild_members" ADD CONSTRAINT "guild_members_state_check" CHECK ((state = ANY (ARRAY['member'::text, 'join_request'::text, 'banned'::text])));
ALTER TABLE "guilds" ADD CONSTRAINT "guilds_max_members_check" CHECK (((max_members >= 1) AND (max_members <= 10000)));
ALTER TABLE "guilds" ADD CONSTRAINT "guilds_member_count_check" CHECK (((member_count >= 0) AND (member_count <= max_members)));
ALTER TABLE "guilds" ADD CONSTRAINT "guilds_name_key_check" CHECK ((name_key = lower(name)));
ALTER TABLE "guilds" ADD CONSTRAINT "guilds_name_key_key" UNIQUE (name_key);
ALTER TABLE "guilds" ADD CONSTRAINT "guilds_pkey" PRIMARY KEY (id);
ALTER TABLE "guild_audit_log" ADD CONSTRAINT "guild_audit_log_guild_id_fkey" FOREIGN KEY (guild_id) REFERENCES guilds(id) ON DELETE CASCADE;
ALTER TABLE "guild_members" ADD CONSTRAINT "guild_members_guild_id_fkey" FOREIGN KEY (guild_id) REFERENCES guilds(id) ON DELETE CASCADE;
