// All SQL of the token registry's table, push_tokens, and the one change it
// makes to deliveries: when a registration goes away or changes hands, its
// QUEUED deliveries finish as invalid_token in the same transaction (the
// worker never sends a user's push to the device's next owner). libpqxx
// exceptions propagate to Database::Read/Write. ListAsync runs on the async
// read path (common/db/async_rows.h).
#ifndef QS_NOTIFICATION_TOKEN_STORE_H_
#define QS_NOTIFICATION_TOKEN_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/async_read_pool.h"
#include "common/db/async_rows.h"
#include "common/db/prepared_statement.h"
#include "common/db/transaction.h"
#include "notification/inbox_rules.h"
#include "proto/notification/v1/push_tokens.pb.h"

namespace qs::notification {

class TokenStore {
 public:
  // ListAsync's statement, registered on every connection.
  static std::vector<db::PreparedStatement> PreparedStatements();

  // Upserts `user`'s registration of the request's installation (validated)
  // and returns it. Serialised per token by an advisory lock, so two
  // installations registering one token at once cannot both keep it: the
  // token's row at another installation is removed, a row that changes
  // users loses its QUEUED deliveries, last_seen_at is refreshed, and an
  // invalidation is kept only while the token stays the same. A unique
  // violation (a writer that bypassed the lock) is ABORTED with a fixed
  // message: PostgreSQL's detail would echo the token.
  absl::StatusOr<v1::PushToken> Register(db::WriteTx& tx, const std::string& user,
                                         const v1::RegisterPushTokenRequest& request);

  // Removes `user`'s registration of (app_id, device_id); its id, or nullopt
  // when there is none.
  std::optional<std::string> Unregister(db::WriteTx& tx, const std::string& user,
                                        const std::string& app_id, const std::string& device_id);

  // `user`'s registrations, most recently seen first, at most `limit`,
  // read on the replica by `deadline`.
  static void ListAsync(db::AsyncReadPool& reads, const std::string& user, int limit,
                        absl::Time deadline, db::RowsDone<v1::PushToken> done);

  // The active (not invalidated) tokens of `users`, share-locked until the
  // transaction ends.
  std::vector<ActiveToken> ActiveTokensOf(db::WriteTx& tx, const std::vector<std::string>& users);

  // Deletes up to `limit` registrations unseen for `stale_after`, oldest
  // first (skipping rows another transaction holds); returns how many.
  int PruneStale(db::WriteTx& tx, absl::Duration stale_after, int limit);

 private:
  // Register's statements; throws pqxx's exceptions.
  v1::PushToken Upsert(db::WriteTx& tx, const std::string& user,
                       const v1::RegisterPushTokenRequest& request);
};

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_TOKEN_STORE_H_
