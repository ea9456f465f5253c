-- Every change kind `generate` covers, against testdata/base.
CREATE TABLE teams (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title varchar(50) NOT NULL,
    captain_id uuid,                                   -- foreign key dropped
    CONSTRAINT teams_title_check CHECK (char_length(title) > 0)  -- new check
);
CREATE INDEX teams_captain_id_idx ON teams (captain_id);
CREATE TABLE players (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text,                                         -- NOT NULL dropped
    level bigint NOT NULL DEFAULT 5,                   -- type and default changed
    email text NOT NULL,                               -- new column (bio dropped)
    team_id uuid REFERENCES teams (id)                 -- new column + foreign key
    -- players_level_check dropped
);
CREATE UNIQUE INDEX players_email_key ON players (email);  -- new unique index
CREATE INDEX players_team_id_idx ON players (team_id);     -- new index
-- players_level_idx dropped, old_table dropped
CREATE TABLE matches (                                     -- new table
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id uuid NOT NULL REFERENCES teams (id),
    score integer NOT NULL DEFAULT 0 CHECK (score >= 0)
);
CREATE INDEX matches_team_id_idx ON matches (team_id);
