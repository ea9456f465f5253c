#include "social/suggestion_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/db/row_mapping.h"

namespace qs::social {
namespace {

constexpr char kSuggestFirst[] = "social_suggest_first";
constexpr char kSuggestAfter[] = "social_suggest_after";

// `user`'s friends of friends who are not already friends, best first, at
// most `limit`: the ranking a list stores and the live path computes.
std::string FriendsOfFriendsSql(absl::string_view user, absl::string_view limit) {
  return absl::StrReplaceAll(
      "SELECT theirs.friend_id AS candidate_id, count(*)::int AS mutual"
      " FROM friendships mine JOIN friendships theirs ON theirs.user_id = mine.friend_id"
      " WHERE mine.user_id = {user} AND theirs.friend_id <> {user}"
      " AND NOT EXISTS (SELECT 1 FROM friendships f"
      "   WHERE f.user_id = {user} AND f.friend_id = theirs.friend_id)"
      " GROUP BY theirs.friend_id ORDER BY mutual DESC, candidate_id DESC LIMIT {limit}",
      {{"{user}", user}, {"{limit}", limit}});
}

// $1 user, $2 list size, then the page: ($3 limit) or ($3 mutual, $4 id, $5 limit).
std::string SuggestSql(bool after) {
  return absl::StrCat(
      "WITH stored AS ("
      " SELECT candidate_ids, mutual_friend_counts FROM friend_suggestion_lists"
      " WHERE user_id = $1 AND computed_at IS NOT NULL AND stale_since IS NULL),"
      // Whom the user has an edge with now, gathered once (a handful of
      // index lookups) rather than probed per candidate.
      " excluded AS ("
      " SELECT friend_id AS id FROM friendships WHERE user_id = $1"
      " UNION SELECT blocked_id FROM user_blocks WHERE blocker_id = $1"
      " UNION SELECT blocker_id FROM user_blocks WHERE blocked_id = $1"
      " UNION SELECT recipient_id FROM friend_requests"
      "   WHERE requester_id = $1 AND expires_at > clock_timestamp()"
      " UNION SELECT requester_id FROM friend_requests"
      "   WHERE recipient_id = $1 AND expires_at > clock_timestamp()),"
      // The stored list when fresh; else (a one-time filter: the live
      // branch is not even started when there is one) computed live.
      " candidates AS ("
      " SELECT s.candidate_id, s.mutual FROM stored,"
      "   unnest(stored.candidate_ids, stored.mutual_friend_counts) AS s(candidate_id, mutual)"
      " UNION ALL"
      " SELECT * FROM (",
      FriendsOfFriendsSql("$1", "$2"),
      ") live WHERE NOT EXISTS (SELECT 1 FROM stored))"
      " SELECT c.candidate_id::text, c.mutual FROM candidates c"
      " WHERE NOT EXISTS (SELECT 1 FROM excluded e WHERE e.id = c.candidate_id)",
      after ? " AND (c.mutual, c.candidate_id) < ($3::int, $4::uuid)"
              " ORDER BY c.mutual DESC, c.candidate_id DESC LIMIT $5"
            : " ORDER BY c.mutual DESC, c.candidate_id DESC LIMIT $3");
}

}  // namespace

std::vector<db::PreparedStatement> SuggestionStore::PreparedStatements() {
  return {{kSuggestFirst, SuggestSql(false)}, {kSuggestAfter, SuggestSql(true)}};
}

std::string SuggestionStore::MarkStaleFrom(absl::string_view users_cte) {
  return absl::StrCat(
      "INSERT INTO friend_suggestion_lists (user_id, stale_since)"
      " SELECT user_id, clock_timestamp() FROM ",
      users_cte,
      " ORDER BY user_id"
      " ON CONFLICT (user_id) DO UPDATE"
      " SET stale_since = coalesce(friend_suggestion_lists.stale_since, excluded.stale_since)");
}

void SuggestionStore::SuggestAsync(db::AsyncReadPool& reads, const std::string& user,
                                   const std::optional<api::KeysetPosition>& after, int limit,
                                   int list_size, absl::Time deadline,
                                   db::RowsDone<v1::FriendSuggestion> done) {
  auto suggestion_from = [](const pqxx::row& row) {
    v1::FriendSuggestion suggestion;
    suggestion.set_user_id(row[0].as<std::string>());
    suggestion.set_mutual_friend_count(row[1].as<int>());
    return suggestion;
  };
  if (after) {
    db::QueryRows<v1::FriendSuggestion>(
        reads, kSuggestAfter, db::AsyncParams(user, list_size, after->key, after->id, limit),
        deadline, suggestion_from, std::move(done));
  } else {
    db::QueryRows<v1::FriendSuggestion>(reads, kSuggestFirst,
                                        db::AsyncParams(user, list_size, limit), deadline,
                                        suggestion_from, std::move(done));
  }
}

std::vector<std::string> SuggestionStore::ClaimDue(db::WriteTx& tx, int limit,
                                                   absl::Time computed_before) {
  std::vector<std::string> users;
  for (const pqxx::row& row :
       tx.Query("SELECT user_id::text FROM friend_suggestion_lists WHERE stale_since IS NOT NULL"
                " ORDER BY stale_since LIMIT $1 FOR UPDATE SKIP LOCKED",
                limit)) {
    users.push_back(row[0].as<std::string>());
  }
  if (static_cast<int>(users.size()) == limit) return users;
  for (const pqxx::row& row :
       tx.Query(absl::StrCat("SELECT user_id::text FROM friend_suggestion_lists"
                             " WHERE stale_since IS NULL AND computed_at < ",
                             db::TimestampSql("$1"),
                             " ORDER BY computed_at LIMIT $2 FOR UPDATE SKIP LOCKED"),
                absl::ToUnixMicros(computed_before), limit - static_cast<int>(users.size()))) {
    users.push_back(row[0].as<std::string>());
  }
  return users;
}

void SuggestionStore::Refresh(db::WriteTx& tx, const std::vector<std::string>& users,
                              int list_size) {
  if (users.empty()) return;
  tx.Query(absl::StrCat(
               "UPDATE friend_suggestion_lists l SET candidate_ids = c.ids,"
               " mutual_friend_counts = c.counts, computed_at = clock_timestamp(),"
               " stale_since = NULL"
               " FROM (SELECT u.user_id,"
               "   coalesce(array_agg(s.candidate_id ORDER BY s.mutual DESC, s.candidate_id DESC)"
               "     FILTER (WHERE s.candidate_id IS NOT NULL), '{}') AS ids,"
               "   coalesce(array_agg(s.mutual ORDER BY s.mutual DESC, s.candidate_id DESC)"
               "     FILTER (WHERE s.candidate_id IS NOT NULL), '{}') AS counts"
               "   FROM unnest($1::uuid[]) AS u(user_id) LEFT JOIN LATERAL (",
               FriendsOfFriendsSql("u.user_id", "$2"),
               ") s ON true GROUP BY u.user_id) c"
               " WHERE l.user_id = c.user_id"),
           db::ArrayLiteral(users), list_size);
}

}  // namespace qs::social
