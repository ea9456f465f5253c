DROP TABLE "friend_suggestion_lists";
