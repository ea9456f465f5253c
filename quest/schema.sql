-- The desired schema of quest_db's own tables, declared in one place.
-- (Tables every service has are in common/schema.sql.) Change it, then
--   bazel run //quest:migrate -- generate --name=<what_changed> --admin-url=...
-- writes the migration that gets the database here (see README).

-- Puzzles and the feed (quest/puzzle_store.cc maps them to quest.v1.Puzzle).
CREATE TABLE puzzles (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    author_id uuid NOT NULL,
    title text NOT NULL,
    kind text NOT NULL,
    themes text[] NOT NULL DEFAULT '{}',
    rating integer NOT NULL,
    rating_deviation double precision NOT NULL DEFAULT 200,
    rating_volatility double precision NOT NULL DEFAULT 0.06,
    play_count bigint NOT NULL DEFAULT 0,
    content text NOT NULL,
    solution text NOT NULL,
    status text NOT NULL DEFAULT 'draft',
    version bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT puzzles_title_check CHECK (char_length(title) BETWEEN 1 AND 200),
    CONSTRAINT puzzles_kind_check CHECK (kind IN ('logic', 'word', 'math', 'pattern', 'chess')),
    CONSTRAINT puzzles_rating_check CHECK (rating BETWEEN 100 AND 4000),
    CONSTRAINT puzzles_status_check CHECK (status IN ('draft', 'published', 'archived'))
);

-- The feed: newest first per status (keyset on created_at, id).
CREATE INDEX puzzles_status_created_at_idx ON puzzles (status, created_at DESC, id DESC);
-- GetNextPuzzle: published puzzles by rating.
CREATE INDEX puzzles_status_rating_idx ON puzzles (status, rating);
-- Feed filtered by theme.
CREATE INDEX puzzles_themes_idx ON puzzles USING gin (themes);
-- An author's drafts.
CREATE INDEX puzzles_author_id_status_idx ON puzzles (author_id, status, created_at DESC, id DESC);

-- A puzzle's plays and rated results, appended by StartAttempt and
-- SubmitAttempt and folded into the puzzle's row by background jobs
-- (quest/puzzle_period_job.h), so that no player locks the puzzle's row:
-- everyone plays the daily puzzle at once. No foreign key to puzzles on
-- purpose: each insert would share-lock the puzzle's row, and many lockers
-- of one row contend on its multixact. A fold skips rows of a puzzle that
-- no longer exists.
CREATE TABLE puzzle_plays (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    puzzle_id uuid NOT NULL,
    played_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- One rated game against the puzzle, as the puzzle's side sees it: the
-- player's rating when they submitted, and the puzzle's score (1 when the
-- player failed). Applied per Glicko-2 rating period
-- (PUZZLE_RATING_PERIOD_SECONDS) by the period job, then deleted.
CREATE TABLE puzzle_rating_results (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    puzzle_id uuid NOT NULL,
    attempt_id uuid NOT NULL,
    player_rating double precision NOT NULL,
    player_deviation double precision NOT NULL,
    puzzle_score double precision NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT puzzle_rating_results_puzzle_score_check CHECK (puzzle_score IN (0, 0.5, 1))
);
-- The period job takes the closed periods' results, oldest first.
CREATE INDEX puzzle_rating_results_recorded_at_idx ON puzzle_rating_results (recorded_at);

-- One row per attempt; the verdict stays NULL until submitted.
CREATE TABLE puzzle_attempts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    puzzle_id uuid NOT NULL REFERENCES puzzles (id),
    verdict text,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    submitted_at timestamptz,
    time_taken_ms bigint,
    score bigint NOT NULL DEFAULT 0,
    rated boolean NOT NULL DEFAULT false,
    rating_before double precision,
    rating_after double precision,
    CONSTRAINT puzzle_attempts_verdict_check CHECK (verdict IN ('correct', 'incorrect'))
) WITH (fillfactor = 70);  -- Room for the submit's update to stay on the page (HOT).

CREATE INDEX puzzle_attempts_puzzle_id_idx ON puzzle_attempts (puzzle_id);
-- ListAttempts: a user's attempts, newest first.
CREATE INDEX puzzle_attempts_user_id_started_at_idx
    ON puzzle_attempts (user_id, started_at DESC, id DESC);
-- "Has this user submitted this puzzle before?" (rated or not).
CREATE INDEX puzzle_attempts_user_id_puzzle_id_idx ON puzzle_attempts (user_id, puzzle_id);

-- Counters, streak and rating of each user who ever submitted an attempt.
CREATE TABLE user_progress (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    solved_count bigint NOT NULL DEFAULT 0,
    attempt_count bigint NOT NULL DEFAULT 0,
    total_score bigint NOT NULL DEFAULT 0,
    current_streak integer NOT NULL DEFAULT 0,
    best_streak integer NOT NULL DEFAULT 0,
    last_solved_on date,
    rating double precision NOT NULL DEFAULT 1500,
    rating_deviation double precision NOT NULL DEFAULT 350,
    rating_volatility double precision NOT NULL DEFAULT 0.06,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT user_progress_user_id_key UNIQUE (user_id)
) WITH (fillfactor = 90);  -- Updated by every submit of its user: HOT.

-- The puzzle of each UTC day, fixed the first time the day is asked for.
CREATE TABLE daily_puzzles (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    day date NOT NULL,
    puzzle_id uuid NOT NULL REFERENCES puzzles (id),
    CONSTRAINT daily_puzzles_day_key UNIQUE (day),
    CONSTRAINT daily_puzzles_puzzle_id_key UNIQUE (puzzle_id)
);

-- Points per leaderboard period ("all", "d2026-11-25", "w2026-W48"), added
-- in the same transaction as the attempt that earned them.
CREATE TABLE leaderboard_scores (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    period text NOT NULL,
    user_id uuid NOT NULL,
    score bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT leaderboard_scores_period_user_id_key UNIQUE (period, user_id)
);

-- Pages in rank order, and counting the scores above a score (ranks).
CREATE INDEX leaderboard_scores_period_score_idx
    ON leaderboard_scores (period, score DESC, user_id);

-- Matches: a puzzle set played by 2..8 participants.
CREATE TABLE matches (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    creator_id uuid NOT NULL,
    mode text NOT NULL,
    max_players integer NOT NULL,
    status text NOT NULL DEFAULT 'waiting',
    puzzle_ids uuid[] NOT NULL,
    winner_id uuid,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at timestamptz,
    finished_at timestamptz,
    CONSTRAINT matches_mode_check CHECK (mode IN ('head_to_head', 'group')),
    CONSTRAINT matches_max_players_check CHECK (max_players BETWEEN 2 AND 8),
    CONSTRAINT matches_status_check
        CHECK (status IN ('waiting', 'in_progress', 'finished', 'cancelled'))
);

CREATE TABLE match_participants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    match_id uuid NOT NULL REFERENCES matches (id),
    user_id uuid NOT NULL,
    joined_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    left_at timestamptz,
    score bigint NOT NULL DEFAULT 0,
    solved_count integer NOT NULL DEFAULT 0,
    answered_count integer NOT NULL DEFAULT 0,
    time_taken_ms bigint NOT NULL DEFAULT 0,
    rank integer,
    CONSTRAINT match_participants_match_id_user_id_key UNIQUE (match_id, user_id)
);

-- ListMatches: a user's matches, newest first.
CREATE INDEX match_participants_user_id_joined_at_idx
    ON match_participants (user_id, joined_at DESC, match_id DESC);

-- One answer per participant and puzzle.
CREATE TABLE match_answers (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    match_participant_id uuid NOT NULL REFERENCES match_participants (id),
    puzzle_id uuid NOT NULL REFERENCES puzzles (id),
    correct boolean NOT NULL,
    time_taken_ms bigint NOT NULL,
    answered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT match_answers_match_participant_id_puzzle_id_key
        UNIQUE (match_participant_id, puzzle_id)
);

CREATE INDEX match_answers_puzzle_id_idx ON match_answers (puzzle_id);
