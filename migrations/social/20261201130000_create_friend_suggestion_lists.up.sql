-- Friend suggestions, precomputed (social/suggestion_store.cc). Ranking
-- friends of friends by mutual count reads every friend's friend list
-- (about friends² index entries, 2.5 ms at 50 friends); serving that per
-- call did not fit a 10 ms p99 at 500 calls/s. So each user's top
-- candidates are computed in the background and SuggestFriends reads one
-- row, still excluding friends, blocks and pending requests live.
--
-- A list is served only while fresh: stale_since is set in the same
-- transaction as a change of the user's own friendships (FriendStore), and
-- until the refresher has recomputed it the user's suggestions are computed
-- live, so a user never sees a list that ignores their own change. Changes
-- among friends (mutual counts of third parties) reach a list when it is
-- recomputed for age (FRIEND_SUGGESTION_MAX_AGE_HOURS).
CREATE TABLE "friend_suggestion_lists" (
    "id" uuid DEFAULT gen_random_uuid() NOT NULL,
    "user_id" uuid NOT NULL,
    -- Best first: mutual count descending, then candidate id descending
    -- (the keyset order of SuggestFriends); the two arrays run in step.
    "candidate_ids" uuid[] DEFAULT '{}' NOT NULL,
    "mutual_friend_counts" integer[] DEFAULT '{}' NOT NULL,
    "computed_at" timestamp with time zone,
    "stale_since" timestamp with time zone,
    CONSTRAINT friend_suggestion_lists_arrays_in_step
        CHECK (cardinality(candidate_ids) = cardinality(mutual_friend_counts))
)
-- A list of 200 is about 4 kB: keep it in the row rather than in TOAST, so
-- that serving it is one heap fetch.
WITH (toast_tuple_target = 8160);
ALTER TABLE ONLY public.friend_suggestion_lists
    ADD CONSTRAINT friend_suggestion_lists_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.friend_suggestion_lists
    ADD CONSTRAINT friend_suggestion_lists_user_id_key UNIQUE (user_id);
-- The refresher's two queues: stale lists, oldest change first; and fresh
-- lists, oldest computation first.
CREATE INDEX friend_suggestion_lists_stale_since_idx ON public.friend_suggestion_lists
    USING btree (stale_since) WHERE (stale_since IS NOT NULL);
CREATE INDEX friend_suggestion_lists_computed_at_idx ON public.friend_suggestion_lists
    USING btree (computed_at) WHERE (stale_since IS NULL);
-- Everyone who has friends already gets a list computed by the refresher.
INSERT INTO friend_suggestion_lists (user_id, stale_since)
    SELECT user_id, clock_timestamp() FROM (SELECT DISTINCT user_id FROM friendships) AS users;
