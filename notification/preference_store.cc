#include "notification/preference_store.h"

#include "absl/strings/str_cat.h"
#include "common/db/row_mapping.h"
#include "pqxx/pqxx"

namespace qs::notification {
namespace {

// The class of the per-user advisory lock of Replace.
constexpr int32_t kPreferenceLockClass = 0x4e505231;  // "NPR1"

v1::Preferences LoadWith(db::TransactionBase& tx, const std::string& user) {
  v1::Preferences preferences;
  for (const pqxx::row& row :
       tx.Query("SELECT category, inbox_muted, push_muted FROM notification_preferences "
                "WHERE user_id = $1 ORDER BY category",
                user)) {
    v1::CategoryPreference& category = *preferences.add_categories();
    category.set_category(row[0].as<std::string>());
    category.set_inbox_muted(row[1].as<bool>());
    category.set_push_muted(row[2].as<bool>());
  }
  pqxx::result quiet = tx.Query(
      "SELECT start_minute, end_minute, time_zone FROM quiet_hours WHERE user_id = $1", user);
  if (!quiet.empty()) {
    v1::QuietHours& hours = *preferences.mutable_quiet_hours();
    hours.set_start_minute(quiet[0][0].as<int>());
    hours.set_end_minute(quiet[0][1].as<int>());
    hours.set_time_zone(quiet[0][2].as<std::string>());
  }
  return preferences;
}

}  // namespace

v1::Preferences PreferenceStore::Load(db::ReadTx& tx, const std::string& user) {
  return LoadWith(tx, user);
}

v1::Preferences PreferenceStore::Load(db::WriteTx& tx, const std::string& user) {
  return LoadWith(tx, user);
}

void PreferenceStore::Replace(db::WriteTx& tx, const std::string& user,
                              const v1::SetPreferencesRequest& request) {
  // Two replaces of one user at once would otherwise both insert.
  tx.Query("SELECT pg_advisory_xact_lock($1, hashtext($2))", kPreferenceLockClass, user);
  tx.Query("DELETE FROM notification_preferences WHERE user_id = $1", user);
  tx.Query("DELETE FROM quiet_hours WHERE user_id = $1", user);
  std::vector<std::string> categories;
  std::vector<bool> inbox_muted;
  std::vector<bool> push_muted;
  for (const v1::CategoryPreference& preference : request.categories()) {
    if (!preference.inbox_muted() && !preference.push_muted()) continue;
    // Validated as [a-z0-9_.-]: safe in an array literal.
    categories.push_back(preference.category());
    inbox_muted.push_back(preference.inbox_muted());
    push_muted.push_back(preference.push_muted());
  }
  if (!categories.empty()) {
    tx.Query(
        "INSERT INTO notification_preferences (user_id, category, inbox_muted, push_muted) "
        "SELECT $1, c.category, c.inbox_muted, c.push_muted "
        "FROM unnest($2::text[], $3::boolean[], $4::boolean[]) AS c(category, inbox_muted, "
        "push_muted)",
        user, db::ArrayLiteral(categories), db::BoolArrayLiteral(inbox_muted),
        db::BoolArrayLiteral(push_muted));
  }
  if (request.has_quiet_hours()) {
    tx.Query(
        "INSERT INTO quiet_hours (user_id, start_minute, end_minute, time_zone) "
        "VALUES ($1, $2, $3, $4)",
        user, request.quiet_hours().start_minute(), request.quiet_hours().end_minute(),
        request.quiet_hours().time_zone());
  }
}

std::map<std::string, RecipientPreferences> PreferenceStore::ForSend(
    db::WriteTx& tx, const std::vector<std::string>& users, const std::string& category) {
  std::map<std::string, RecipientPreferences> preferences;
  // One round trip for both tables: a user appears once, with a muted
  // category, quiet hours, or both (NULLs for the part they lack).
  for (const pqxx::row& row : tx.Query(
           "SELECT coalesce(p.user_id, q.user_id)::text, coalesce(p.inbox_muted, false), "
           "coalesce(p.push_muted, false), q.user_id IS NOT NULL, coalesce(q.start_minute, 0), "
           "coalesce(q.end_minute, 0), coalesce(q.time_zone, '') "
           "FROM (SELECT user_id, inbox_muted, push_muted FROM notification_preferences "
           "      WHERE user_id = ANY($1::uuid[]) AND category = $2::text) p "
           "FULL JOIN (SELECT user_id, start_minute, end_minute, time_zone FROM quiet_hours "
           "      WHERE user_id = ANY($1::uuid[])) q ON q.user_id = p.user_id",
           db::ArrayLiteral(users), category)) {
    RecipientPreferences& entry = preferences[row[0].as<std::string>()];
    entry.inbox_muted = row[1].as<bool>();
    entry.push_muted = row[2].as<bool>();
    if (row[3].as<bool>()) {
      entry.quiet_hours =
          QuietHoursWindow{row[4].as<int>(), row[5].as<int>(), row[6].as<std::string>()};
    }
  }
  return preferences;
}

}  // namespace qs::notification
