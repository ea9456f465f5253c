-- The friend graph (social/friend_store.cc): pending requests, friendships
-- (one row per direction), one-sided blocks and the history of every pair.
CREATE TABLE "friend_requests" (
    "id" uuid DEFAULT gen_random_uuid() NOT NULL,
    "requester_id" uuid NOT NULL,
    "recipient_id" uuid NOT NULL,
    "created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    "expires_at" timestamp with time zone NOT NULL
);
CREATE TABLE "friendships" (
    "id" uuid DEFAULT gen_random_uuid() NOT NULL,
    "user_id" uuid NOT NULL,
    "friend_id" uuid NOT NULL,
    "created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
CREATE TABLE "user_blocks" (
    "id" uuid DEFAULT gen_random_uuid() NOT NULL,
    "blocker_id" uuid NOT NULL,
    "blocked_id" uuid NOT NULL,
    "created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
CREATE TABLE "friendship_events" (
    "id" uuid DEFAULT gen_random_uuid() NOT NULL,
    "pair_id" uuid NOT NULL,
    "actor_id" uuid NOT NULL,
    "subject_id" uuid NOT NULL,
    "action" text NOT NULL,
    "created_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
CREATE INDEX friend_requests_recipient_id_created_at_idx ON public.friend_requests USING btree (recipient_id, created_at DESC, requester_id DESC);
CREATE INDEX friend_requests_requester_id_created_at_idx ON public.friend_requests USING btree (requester_id, created_at DESC, recipient_id DESC);
CREATE INDEX friend_requests_expires_at_idx ON public.friend_requests USING btree (expires_at);
CREATE INDEX friendships_user_id_created_at_idx ON public.friendships USING btree (user_id, created_at DESC, friend_id DESC);
CREATE INDEX user_blocks_blocker_id_created_at_idx ON public.user_blocks USING btree (blocker_id, created_at DESC, blocked_id DESC);
CREATE INDEX user_blocks_blocked_id_blocker_id_idx ON public.user_blocks USING btree (blocked_id, blocker_id);
CREATE INDEX friendship_events_pair_id_created_at_idx ON public.friendship_events USING btree (pair_id, created_at);
ALTER TABLE "friend_requests" ADD CONSTRAINT "friend_requests_pkey" PRIMARY KEY (id);
ALTER TABLE "friend_requests" ADD CONSTRAINT "friend_requests_requester_id_recipient_id_key" UNIQUE (requester_id, recipient_id);
ALTER TABLE "friend_requests" ADD CONSTRAINT "friend_requests_check" CHECK ((requester_id <> recipient_id));
ALTER TABLE "friendships" ADD CONSTRAINT "friendships_pkey" PRIMARY KEY (id);
ALTER TABLE "friendships" ADD CONSTRAINT "friendships_user_id_friend_id_key" UNIQUE (user_id, friend_id);
ALTER TABLE "friendships" ADD CONSTRAINT "friendships_check" CHECK ((user_id <> friend_id));
ALTER TABLE "user_blocks" ADD CONSTRAINT "user_blocks_pkey" PRIMARY KEY (id);
ALTER TABLE "user_blocks" ADD CONSTRAINT "user_blocks_blocker_id_blocked_id_key" UNIQUE (blocker_id, blocked_id);
ALTER TABLE "user_blocks" ADD CONSTRAINT "user_blocks_check" CHECK ((blocker_id <> blocked_id));
ALTER TABLE "friendship_events" ADD CONSTRAINT "friendship_events_pkey" PRIMARY KEY (id);
ALTER TABLE "friendship_events" ADD CONSTRAINT "friendship_events_action_check" CHECK ((action = ANY (ARRAY['requested'::text, 'accepted'::text, 'declined'::text, 'cancelled'::text, 'removed'::text, 'blocked'::text, 'unblocked'::text, 'expired'::text])));
