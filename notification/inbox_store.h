// All SQL of the inbox tables: notification_logs (one row per recipient of
// a send) and deliveries (one row per push; after the insert the delivery
// worker owns their state, see the migration). libpqxx exceptions propagate
// to Database::Read/Write. The inbox reads run on the async read path
// (common/db/async_rows.h): their callbacks run on its loop thread.
#ifndef QS_NOTIFICATION_INBOX_STORE_H_
#define QS_NOTIFICATION_INBOX_STORE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/api/keyset_position.h"
#include "common/db/async_read_pool.h"
#include "common/db/async_rows.h"
#include "common/db/prepared_statement.h"
#include "common/db/transaction.h"
#include "notification/inbox_rules.h"
#include "proto/notification/v1/inbox.pb.h"

namespace qs::notification {

// A change of some notifications' inbox state.
enum class InboxMark { kSeen, kRead, kUnread, kArchive, kDelete };

class InboxStore {
 public:
  using UnreadCountsDone = std::function<void(absl::StatusOr<std::map<std::string, int64_t>>)>;

  // The inbox reads' statements, registered on every connection.
  static std::vector<db::PreparedStatement> PreparedStatements();

  // Writes a send's plan: every notification in one INSERT, every delivery
  // in another (set-based: a 1,000-recipient send is two statements), both
  // deferred (WriteTx::Defer): they reach the server with the transaction's
  // next statement or its COMMIT, and an error in them surfaces there.
  // `sender` "" = the system.
  void InsertSend(db::WriteTx& tx, const std::string& sender,
                  const v1::SendNotificationRequest& request, const SendPlan& plan);

  // The caller's inbox (in_inbox, not deleted) under `filter`, newest first
  // by (created_at, id), after the keyset position `after` (key = created_at
  // in microseconds, id = notification id); each with its delivery summary.
  // Read on the replica by `deadline`.
  static void ListAsync(db::AsyncReadPool& reads, const std::string& user, v1::InboxFilter filter,
                        const std::optional<api::KeysetPosition>& after, int limit,
                        absl::Time deadline, db::RowsDone<v1::Notification> done);

  // Applies `mark` to `user`'s notifications `ids` (distinct) and returns
  // them after it in the order of `ids` (none for kDelete). NOT_FOUND naming
  // the first id that is not the user's, not in the inbox or deleted; then
  // nothing is changed.
  absl::StatusOr<std::vector<v1::Notification>> Mark(db::WriteTx& tx, const std::string& user,
                                                     const std::vector<std::string>& ids,
                                                     InboxMark mark);

  // Marks `user`'s unread notifications (of `category`, "" = all) read and
  // seen; returns how many.
  int64_t MarkAllRead(db::WriteTx& tx, const std::string& user, const std::string& category);

  // Unread (not read, archived or deleted, in the inbox) by category, read
  // on the replica by `deadline`.
  static void UnreadByCategoryAsync(db::AsyncReadPool& reads, const std::string& user,
                                    absl::Time deadline, UnreadCountsDone done);

  // Deletes up to `limit` notifications older than `retention` whose
  // deliveries have all finished, with those deliveries; returns how many.
  int PruneOld(db::WriteTx& tx, absl::Duration retention, int limit);
};

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_INBOX_STORE_H_
