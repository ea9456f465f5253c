// All SQL of friend_suggestion_lists: each user's best friends of friends,
// precomputed, and the live computation it stands in for. libpqxx
// exceptions propagate to Database::Read/Write; SuggestAsync runs on the
// async read path (common/db/async_rows.h).
//
// Why precomputed: ranking friends of friends reads every friend's friend
// list (friends² index entries: about 2,500 at 50 friends), which
// at 500 calls/s is more CPU than the database has. A list is recomputed
// by the refresher (SuggestionRefresher) when it is stale or old; serving
// it is one row. See the migration for what "stale" guarantees.
#ifndef QS_SOCIAL_SUGGESTION_STORE_H_
#define QS_SOCIAL_SUGGESTION_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/api/keyset_position.h"
#include "common/db/async_read_pool.h"
#include "common/db/async_rows.h"
#include "common/db/database.h"
#include "common/db/transaction.h"
#include "proto/social/v1/friends.pb.h"

namespace qs::social {

namespace v1 = ::social::v1;

class SuggestionStore {
 public:
  static std::vector<db::PreparedStatement> PreparedStatements();

  // SQL that marks the lists of the users in CTE `users_cte` (a column
  // user_id) stale, creating the row of a user who has none. For the
  // statements that change friendships, so that no change can forget it.
  // Rows are upserted in user_id order, so that concurrent changes of
  // different pairs lock them in one order and never deadlock.
  static std::string MarkStaleFrom(absl::string_view users_cte);

  // `user`'s suggestions after `after` (mutual count, candidate id), best
  // first: from the user's list while it is fresh, else computed live; both
  // exclude current friends, blocks either way and pending requests either
  // way, and both rank at most `list_size` candidates (before exclusion).
  // One statement on the replica, by `deadline`.
  static void SuggestAsync(db::AsyncReadPool& reads, const std::string& user,
                           const std::optional<api::KeysetPosition>& after, int limit,
                           int list_size, absl::Time deadline,
                           db::RowsDone<v1::FriendSuggestion> done);

  // Locks (FOR UPDATE SKIP LOCKED) up to `limit` lists due for a refresh:
  // stale ones first, oldest change first, then those computed before
  // `computed_before`. Locking before computing is what makes a refresh
  // safe against a concurrent friendship change: see Refresh.
  std::vector<std::string> ClaimDue(db::WriteTx& tx, int limit, absl::Time computed_before);

  // Recomputes the lists of `users` (claimed by ClaimDue in this
  // transaction) and marks them fresh. This statement's snapshot is taken
  // after the rows were locked: a change committed before then is in it,
  // and a change still running has to wait for this transaction to mark
  // the list stale again, so a list never ends up fresh yet behind.
  void Refresh(db::WriteTx& tx, const std::vector<std::string>& users, int list_size);
};

}  // namespace qs::social

#endif  // QS_SOCIAL_SUGGESTION_STORE_H_
