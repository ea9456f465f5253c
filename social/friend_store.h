// All SQL of the friend graph's tables: friend_requests, friendships (one
// row per direction), user_blocks and friendship_events. libpqxx exceptions
// propagate to Database::Read/Write; the listings run on the async read
// path (common/db/async_rows.h), their callbacks on its loop thread. Every
// change of a pair runs in a WriteTx that took LockPair first (see
// PairLockKeys in friend_rules.h).
#ifndef QS_SOCIAL_FRIEND_STORE_H_
#define QS_SOCIAL_FRIEND_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "common/api/keyset_position.h"
#include "common/db/async_read_pool.h"
#include "common/db/async_rows.h"
#include "common/db/database.h"
#include "common/db/prepared_statement.h"
#include "common/db/transaction.h"
#include "proto/social/v1/friends.pb.h"
#include "social/friend_rules.h"
#include "social/suggestion_store.h"

namespace qs::social {

// One expired request the sweep deleted.
struct ExpiredRequest {
  std::string requester_id;
  std::string recipient_id;
};

class FriendStore {
 public:
  static std::vector<db::PreparedStatement> PreparedStatements();

  // pg_advisory_xact_lock on both users, in PairLockKeys order; held until
  // the transaction ends.
  void LockPair(db::WriteTx& tx, const std::string& a, const std::string& b);

  // The rows between `caller` and `other` from the caller's side; expired
  // requests count as absent.
  PairFacts LoadPair(db::ReadTx& tx, const std::string& caller, const std::string& other);
  PairFacts LoadPair(db::WriteTx& tx, const std::string& caller, const std::string& other);

  // Deletes the pair's expired requests (either way), recording `expired`.
  void PurgeExpiredBetween(db::WriteTx& tx, const std::string& a, const std::string& b);

  // `user`'s friends + pending (unexpired) outgoing requests.
  int64_t CountFriendsAndOutgoing(db::WriteTx& tx, const std::string& user);

  // Returns the new request's id.
  std::string InsertRequest(db::WriteTx& tx, const std::string& requester,
                            const std::string& recipient, absl::Duration ttl);
  // True when a row was deleted.
  bool DeleteRequest(db::WriteTx& tx, const std::string& requester, const std::string& recipient);
  // Deletes the pending requests both ways; true when there was one.
  bool DeleteRequestsBetween(db::WriteTx& tx, const std::string& a, const std::string& b);

  // Both directions' rows; either marks both users' suggestion lists stale
  // in the same statement (SuggestionStore::MarkStaleFrom).
  void InsertFriendship(db::WriteTx& tx, const std::string& a, const std::string& b);
  // True when they were friends.
  bool DeleteFriendship(db::WriteTx& tx, const std::string& a, const std::string& b);

  void InsertBlock(db::WriteTx& tx, const std::string& blocker, const std::string& blocked);
  void DeleteBlock(db::WriteTx& tx, const std::string& blocker, const std::string& blocked);

  // A friendship_events row: `actor` did `action` to `subject`.
  void RecordHistory(db::WriteTx& tx, const std::string& actor, const std::string& subject,
                     FriendAction action);
  // The history of `user`'s pairs, newest first by (created_at, id): only
  // the pair (user, *other) when `other` is set, else every pair `user`
  // belongs to (as actor or subject). A position's key is created_at in
  // microseconds, its id the entry id. Each form reads index ranges that
  // seek to the position (friendship_events' pair, actor and subject
  // indexes), so a page costs the same at any depth. On the replica, by
  // `deadline`.
  static void ListHistoryAsync(db::AsyncReadPool& reads, const std::string& user,
                               const std::optional<std::string>& other,
                               const std::optional<api::KeysetPosition>& after, int limit,
                               absl::Time deadline, db::RowsDone<v1::FriendHistoryEntry> done);

  // Deletes up to `limit` expired requests (oldest expiry first), recording
  // `expired` for each; returns what it deleted.
  std::vector<ExpiredRequest> DeleteExpired(db::WriteTx& tx, int limit);

  // ListFriends for one state (FRIENDS, REQUEST_SENT, REQUEST_RECEIVED,
  // BLOCKED), newest first. A position's key is Friendship.since in
  // microseconds, its id the other user. On the replica, by `deadline`.
  static void ListAsync(db::AsyncReadPool& reads, const std::string& user,
                        v1::FriendshipState state, const std::optional<api::KeysetPosition>& after,
                        int limit, absl::Time deadline, db::RowsDone<v1::Friendship> done);

  // Friends of both, by user id ascending (a position's id; key unused).
  std::vector<std::string> ListMutual(db::ReadTx& tx, const std::string& a, const std::string& b,
                                      const std::optional<api::KeysetPosition>& after, int limit);
};

}  // namespace qs::social

#endif  // QS_SOCIAL_FRIEND_STORE_H_
