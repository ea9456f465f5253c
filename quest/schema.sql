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
-- Feed filtered by theme.
CREATE INDEX puzzles_themes_idx ON puzzles USING gin (themes);
-- An author's drafts.
CREATE INDEX puzzles_author_id_status_idx ON puzzles (author_id, status, created_at DESC, id DESC);
