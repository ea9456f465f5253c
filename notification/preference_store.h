// All SQL of the preference tables, notification_preferences (per user and
// category) and quiet_hours (per user). libpqxx exceptions propagate to
// Database::Read/Write.
#ifndef QS_NOTIFICATION_PREFERENCE_STORE_H_
#define QS_NOTIFICATION_PREFERENCE_STORE_H_

#include <map>
#include <string>
#include <vector>

#include "common/db/transaction.h"
#include "notification/preference_rules.h"
#include "proto/notification/v1/preferences.pb.h"

namespace qs::notification {

class PreferenceStore {
 public:
  // `user`'s stored preferences (categories by name; no critical_categories).
  v1::Preferences Load(db::ReadTx& tx, const std::string& user);
  v1::Preferences Load(db::WriteTx& tx, const std::string& user);

  // Replaces all of `user`'s preferences with the (validated) request's.
  // Rows with both channels on are not stored (they are the default).
  // Concurrent replaces of one user serialise on a per-user advisory lock.
  void Replace(db::WriteTx& tx, const std::string& user, const v1::SetPreferencesRequest& request);

  // The preferences that bear on a send of `category` to `users`: only the
  // users with a muted channel or quiet hours appear. One statement.
  std::map<std::string, RecipientPreferences> ForSend(db::WriteTx& tx,
                                                      const std::vector<std::string>& users,
                                                      const std::string& category);
};

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_PREFERENCE_STORE_H_
