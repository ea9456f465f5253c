DROP TABLE old_table;
DROP TABLE teams;
DROP TABLE players;
