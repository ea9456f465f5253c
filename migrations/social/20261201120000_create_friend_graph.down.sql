DROP TABLE "friendship_events";
DROP TABLE "user_blocks";
DROP TABLE "friendships";
DROP TABLE "friend_requests";
