DROP TABLE user_erasures;
