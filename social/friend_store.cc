#include "social/friend_store.h"

#include "absl/strings/str_cat.h"
#include "common/db/keyset_sql.h"
#include "common/db/row_mapping.h"
#include "pqxx/pqxx"

namespace qs::social {
namespace {

// GetFriendship's read, prepared on every connection (PreparedStatements):
// one round trip for the five kinds of row a pair may have.
constexpr char kLoadPair[] = "social_friend_load_pair";

// The listings, on the async read path: one statement per state and per
// history form, each planned per call (an optional keyset position decides
// between an index seek and a scan from the top).
constexpr char kListFriends[] = "social_friend_list_friends";
constexpr char kListSent[] = "social_friend_list_sent";
constexpr char kListReceived[] = "social_friend_list_received";
constexpr char kListBlocked[] = "social_friend_list_blocked";
constexpr char kHistoryOfPair[] = "social_friend_history_of_pair";
constexpr char kHistoryOfUser[] = "social_friend_history_of_user";

const std::string& LoadPairSql() {
  static const std::string* sql = new std::string(
      absl::StrCat("SELECT 'friends', '', ", db::MicrosSql("created_at"),
                   ", 0::bigint FROM friendships WHERE user_id = $1 AND friend_id = $2 "
                   "UNION ALL SELECT 'sent', id::text, ",
                   db::MicrosSql("created_at"), ", ", db::MicrosSql("expires_at"),
                   " FROM friend_requests WHERE requester_id = $1 AND recipient_id = $2 "
                   "AND expires_at > clock_timestamp() "
                   "UNION ALL SELECT 'received', id::text, ",
                   db::MicrosSql("created_at"), ", ", db::MicrosSql("expires_at"),
                   " FROM friend_requests WHERE requester_id = $2 AND recipient_id = $1 "
                   "AND expires_at > clock_timestamp() "
                   "UNION ALL SELECT 'caller_blocks', '', ",
                   db::MicrosSql("created_at"),
                   ", 0::bigint FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2 "
                   "UNION ALL SELECT 'other_blocks', '', ",
                   db::MicrosSql("created_at"),
                   ", 0::bigint FROM user_blocks WHERE blocker_id = $2 AND blocked_id = $1"));
  return *sql;
}

PairFacts FactsFrom(const pqxx::result& rows) {
  PairFacts facts;
  for (const pqxx::row& row : rows) {
    const std::string kind = row[0].as<std::string>();
    const int64_t created = row[2].as<int64_t>();
    if (kind == "friends") {
      facts.friends_since_micros = created;
    } else if (kind == "sent" || kind == "received") {
      PendingRequest request{row[1].as<std::string>(), created, row[3].as<int64_t>()};
      (kind == "sent" ? facts.sent : facts.received) = std::move(request);
    } else if (kind == "caller_blocks") {
      facts.caller_blocks_since_micros = created;
    } else if (kind == "other_blocks") {
      facts.other_blocks_since_micros = created;
    }
  }
  return facts;
}

const char* ListStatement(v1::FriendshipState state) {
  switch (state) {
    case v1::FRIENDSHIP_STATE_FRIENDS:
      return kListFriends;
    case v1::FRIENDSHIP_STATE_REQUEST_SENT:
      return kListSent;
    case v1::FRIENDSHIP_STATE_REQUEST_RECEIVED:
      return kListReceived;
    default:  // BLOCKED
      return kListBlocked;
  }
}

// The listings below: (other user, since, expires or 0, blocked_by_other)
// from one index range that seeks to the keyset position; $1 the user, $2/$3
// the position (other's id, created_at micros; "" = first page), $4 the
// limit.

// The pending requests in which the user is `self` (requester_id or
// recipient_id) and the other user `other`.
std::string PendingRequestsSql(absl::string_view self, absl::string_view other) {
  return absl::StrCat("SELECT ", other, "::text, ", db::MicrosSql("created_at"), ", ",
                      db::MicrosSql("expires_at"), ", false FROM friend_requests WHERE ", self,
                      " = $1 AND expires_at > clock_timestamp() AND ",
                      db::KeysetBeforeSql("created_at", other), " ORDER BY created_at DESC, ",
                      other, " DESC LIMIT $4");
}

std::string ListSql(v1::FriendshipState state) {
  switch (state) {
    case v1::FRIENDSHIP_STATE_FRIENDS:
      return absl::StrCat("SELECT friend_id::text, ", db::MicrosSql("created_at"),
                          ", 0::bigint, false FROM friendships WHERE user_id = $1 AND ",
                          db::KeysetBeforeSql("created_at", "friend_id"),
                          " ORDER BY created_at DESC, friend_id DESC LIMIT $4");
    case v1::FRIENDSHIP_STATE_REQUEST_SENT:
      return PendingRequestsSql("requester_id", "recipient_id");
    case v1::FRIENDSHIP_STATE_REQUEST_RECEIVED:
      return PendingRequestsSql("recipient_id", "requester_id");
    default:  // BLOCKED
      return absl::StrCat(
          "SELECT b.blocked_id::text, ", db::MicrosSql("b.created_at"),
          ", 0::bigint, EXISTS (SELECT 1 FROM user_blocks r WHERE r.blocker_id = b.blocked_id "
          "AND r.blocked_id = b.blocker_id) FROM user_blocks b WHERE b.blocker_id = $1 AND ",
          db::KeysetBeforeSql("b.created_at", "b.blocked_id"),
          " ORDER BY b.created_at DESC, b.blocked_id DESC LIMIT $4");
  }
}

// $1 the pair or the user, $2/$3 the position (id, micros; "" = first
// page), $4 the limit. One range per index, each cut at the limit before
// the merge: an OR of actor and subject would not seek on either index.
std::string HistorySql(bool of_pair) {
  const std::string after_clause = absl::StrCat(" AND ", db::KeysetBeforeSql("created_at", "id"),
                                                " ORDER BY created_at DESC, id DESC LIMIT $4");
  const std::string ranges =
      of_pair
          ? absl::StrCat("SELECT * FROM friendship_events WHERE pair_id = $1::uuid", after_clause)
          : absl::StrCat("(SELECT * FROM friendship_events WHERE actor_id = $1::uuid", after_clause,
                         ") UNION ALL (SELECT * FROM friendship_events WHERE subject_id = $1::uuid",
                         after_clause, ")");
  return absl::StrCat(
      "SELECT e.id::text, e.pair_id::text, e.actor_id::text, e.subject_id::text, e.action, ",
      db::MicrosSql("e.created_at"), " FROM (", ranges,
      ") e ORDER BY e.created_at DESC, e.id DESC LIMIT $4");
}

// The position parameters ($2 id, $3 key) of the listings above.
db::AsyncParamList ListParams(const std::string& subject,
                              const std::optional<api::KeysetPosition>& after, int limit) {
  return db::AsyncParams(subject, db::KeysetIdParam(after), db::KeysetKeyParam(after), limit);
}

}  // namespace

std::vector<db::PreparedStatement> FriendStore::PreparedStatements() {
  std::vector<db::PreparedStatement> statements = {{kLoadPair, LoadPairSql()}};
  for (v1::FriendshipState state :
       {v1::FRIENDSHIP_STATE_FRIENDS, v1::FRIENDSHIP_STATE_REQUEST_SENT,
        v1::FRIENDSHIP_STATE_REQUEST_RECEIVED, v1::FRIENDSHIP_STATE_BLOCKED}) {
    statements.push_back({ListStatement(state), ListSql(state), db::Planning::kPerCall});
  }
  statements.push_back({kHistoryOfPair, HistorySql(true), db::Planning::kPerCall});
  statements.push_back({kHistoryOfUser, HistorySql(false), db::Planning::kPerCall});
  return statements;
}

void FriendStore::LockPair(db::WriteTx& tx, const std::string& a, const std::string& b) {
  for (int32_t key : PairLockKeys(a, b)) {
    tx.Query("SELECT pg_advisory_xact_lock($1, $2)", kFriendLockClass, key);
  }
}

PairFacts FriendStore::LoadPair(db::ReadTx& tx, const std::string& caller,
                                const std::string& other) {
  return FactsFrom(tx.QueryPrepared(kLoadPair, caller, other));
}

PairFacts FriendStore::LoadPair(db::WriteTx& tx, const std::string& caller,
                                const std::string& other) {
  return FactsFrom(tx.QueryPrepared(kLoadPair, caller, other));
}

void FriendStore::PurgeExpiredBetween(db::WriteTx& tx, const std::string& a, const std::string& b) {
  pqxx::result gone = tx.Query(
      "DELETE FROM friend_requests WHERE ((requester_id = $1 AND recipient_id = $2) "
      "OR (requester_id = $2 AND recipient_id = $1)) AND expires_at <= clock_timestamp() "
      "RETURNING requester_id::text, recipient_id::text",
      a, b);
  for (const pqxx::row& row : gone) {
    RecordHistory(tx, row[0].as<std::string>(), row[1].as<std::string>(),
                  v1::FRIEND_HISTORY_ACTION_EXPIRED);
  }
}

int64_t FriendStore::CountFriendsAndOutgoing(db::WriteTx& tx, const std::string& user) {
  return tx
      .Query(
          "SELECT (SELECT count(*) FROM friendships WHERE user_id = $1) + "
          "(SELECT count(*) FROM friend_requests WHERE requester_id = $1 "
          "AND expires_at > clock_timestamp())",
          user)[0][0]
      .as<int64_t>();
}

std::string FriendStore::InsertRequest(db::WriteTx& tx, const std::string& requester,
                                       const std::string& recipient, absl::Duration ttl) {
  return tx
      .Query(
          "INSERT INTO friend_requests (requester_id, recipient_id, expires_at) "
          "VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3)) RETURNING id::text",
          requester, recipient, absl::ToDoubleSeconds(ttl))[0][0]
      .as<std::string>();
}

bool FriendStore::DeleteRequest(db::WriteTx& tx, const std::string& requester,
                                const std::string& recipient) {
  return tx.Query("DELETE FROM friend_requests WHERE requester_id = $1 AND recipient_id = $2",
                  requester, recipient)
             .affected_rows() > 0;
}

bool FriendStore::DeleteRequestsBetween(db::WriteTx& tx, const std::string& a,
                                        const std::string& b) {
  return tx.Query(
               "DELETE FROM friend_requests WHERE ((requester_id = $1 AND recipient_id = $2) "
               "OR (requester_id = $2 AND recipient_id = $1)) "
               "RETURNING expires_at > clock_timestamp()",
               a, b)
             .size() > 0;
}

void FriendStore::InsertFriendship(db::WriteTx& tx, const std::string& a, const std::string& b) {
  tx.Query(
      absl::StrCat("WITH changed AS (INSERT INTO friendships (user_id, friend_id, created_at)"
                   " SELECT $1::uuid, $2::uuid, now() UNION ALL SELECT $2::uuid, $1::uuid, now()"
                   " RETURNING user_id) ",
                   SuggestionStore::MarkStaleFrom("changed")),
      a, b);
}

bool FriendStore::DeleteFriendship(db::WriteTx& tx, const std::string& a, const std::string& b) {
  return tx.Query(absl::StrCat("WITH changed AS (DELETE FROM friendships"
                               " WHERE (user_id = $1 AND friend_id = $2)"
                               " OR (user_id = $2 AND friend_id = $1) RETURNING user_id),"
                               " marked AS (",
                               SuggestionStore::MarkStaleFrom("changed"),
                               " RETURNING 1) SELECT count(*) FROM changed"),
                  a, b)[0][0]
             .as<int64_t>() > 0;
}

void FriendStore::InsertBlock(db::WriteTx& tx, const std::string& blocker,
                              const std::string& blocked) {
  tx.Query("INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2)", blocker, blocked);
}

void FriendStore::DeleteBlock(db::WriteTx& tx, const std::string& blocker,
                              const std::string& blocked) {
  tx.Query("DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2", blocker, blocked);
}

void FriendStore::RecordHistory(db::WriteTx& tx, const std::string& actor,
                                const std::string& subject, FriendAction action) {
  tx.Query(
      "INSERT INTO friendship_events (pair_id, actor_id, subject_id, action) "
      "VALUES ($1, $2, $3, $4)",
      PairId(actor, subject), actor, subject, ActionCode(action));
}

void FriendStore::ListHistoryAsync(db::AsyncReadPool& reads, const std::string& user,
                                   const std::optional<std::string>& other,
                                   const std::optional<api::KeysetPosition>& after, int limit,
                                   absl::Time deadline, db::RowsDone<v1::FriendHistoryEntry> done) {
  db::QueryRows<v1::FriendHistoryEntry>(
      reads, other ? kHistoryOfPair : kHistoryOfUser,
      ListParams(other ? PairId(user, *other) : user, after, limit), deadline,
      [user](const pqxx::row& row) {
        v1::FriendHistoryEntry entry;
        entry.set_id(row[0].as<std::string>());
        entry.set_pair_id(row[1].as<std::string>());
        entry.set_actor_id(row[2].as<std::string>());
        const std::string subject = row[3].as<std::string>();
        entry.set_other_user_id(entry.actor_id() == user ? subject : entry.actor_id());
        entry.set_action(FriendActionFromCode(row[4].as<std::string>()));
        db::SetTimestamp(row[5].as<int64_t>(), entry.mutable_created_at());
        return entry;
      },
      std::move(done));
}

std::vector<ExpiredRequest> FriendStore::DeleteExpired(db::WriteTx& tx, int limit) {
  pqxx::result gone = tx.Query(
      "DELETE FROM friend_requests WHERE id IN (SELECT id FROM friend_requests "
      "WHERE expires_at <= clock_timestamp() ORDER BY expires_at LIMIT $1 "
      "FOR UPDATE SKIP LOCKED) RETURNING requester_id::text, recipient_id::text",
      limit);
  std::vector<ExpiredRequest> expired;
  expired.reserve(gone.size());
  for (const pqxx::row& row : gone) {
    expired.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
    RecordHistory(tx, expired.back().requester_id, expired.back().recipient_id,
                  v1::FRIEND_HISTORY_ACTION_EXPIRED);
  }
  return expired;
}

void FriendStore::ListAsync(db::AsyncReadPool& reads, const std::string& user,
                            v1::FriendshipState state,
                            const std::optional<api::KeysetPosition>& after, int limit,
                            absl::Time deadline, db::RowsDone<v1::Friendship> done) {
  db::QueryRows<v1::Friendship>(
      reads, ListStatement(state), ListParams(user, after, limit), deadline,
      [user, state](const pqxx::row& row) {
        v1::Friendship friendship;
        friendship.set_user_id(row[0].as<std::string>());
        friendship.set_state(state);
        friendship.set_pair_id(PairId(user, friendship.user_id()));
        db::SetTimestamp(row[1].as<int64_t>(), friendship.mutable_since());
        db::SetTimestampIfSet(row[2].as<int64_t>(), friendship,
                              &v1::Friendship::mutable_expires_at);
        friendship.set_blocked_by_other(row[3].as<bool>());
        return friendship;
      },
      std::move(done));
}

std::vector<std::string> FriendStore::ListMutual(db::ReadTx& tx, const std::string& a,
                                                 const std::string& b,
                                                 const std::optional<api::KeysetPosition>& after,
                                                 int limit) {
  const std::string sql = absl::StrCat(
      "SELECT mine.friend_id::text FROM friendships mine JOIN friendships theirs "
      "ON theirs.user_id = $2 AND theirs.friend_id = mine.friend_id WHERE mine.user_id = $1",
      after ? " AND mine.friend_id > $3::uuid ORDER BY mine.friend_id LIMIT $4"
            : " ORDER BY mine.friend_id LIMIT $3");
  pqxx::result rows = after ? tx.Query(sql, a, b, after->id, limit) : tx.Query(sql, a, b, limit);
  std::vector<std::string> ids;
  ids.reserve(rows.size());
  for (const pqxx::row& row : rows) ids.push_back(row[0].as<std::string>());
  return ids;
}

}  // namespace qs::social
