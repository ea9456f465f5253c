CREATE TABLE teams (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title varchar(50) NOT NULL,
    captain_id uuid
);
CREATE TABLE players (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    level integer NOT NULL DEFAULT 1,
    bio text,
    CONSTRAINT players_level_check CHECK (level > 0)
);
CREATE INDEX players_level_idx ON players (level);
ALTER TABLE teams ADD CONSTRAINT teams_captain_id_fkey
    FOREIGN KEY (captain_id) REFERENCES players (id);
CREATE INDEX teams_captain_id_idx ON teams (captain_id);
CREATE TABLE old_table (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
