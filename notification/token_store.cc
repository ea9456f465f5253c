#include "notification/token_store.h"

#include "absl/strings/str_cat.h"
#include "common/db/row_mapping.h"
#include "notification/queued_deliveries.h"
#include "notification/token_rules.h"
#include "pqxx/pqxx"

namespace qs::notification {
namespace {

// The class of the per-token advisory locks (pg_advisory_xact_lock(class,
// key)): the notification service's only advisory lock.
constexpr int32_t kTokenLockClass = 0x4e544b31;  // "NTK1"

// ListPushTokens' read, on the async read path (PreparedStatements).
constexpr char kList[] = "notification_token_list";

const std::string& TokenColumns() {
  static const std::string* columns = new std::string(absl::StrCat(
      "id::text, user_id::text, device_id, app_id, platform, token, app_version, locale, "
      "time_zone, apns_sandbox, ",
      db::MicrosSql("created_at"), ", ", db::MicrosSql("last_seen_at"), ", ",
      db::MicrosOrZeroSql("invalidated_at"), ", coalesce(invalid_reason, '')"));
  return *columns;
}

v1::PushToken TokenFrom(const pqxx::row& row) {
  v1::PushToken token;
  token.set_id(row[0].as<std::string>());
  token.set_user_id(row[1].as<std::string>());
  token.set_device_id(row[2].as<std::string>());
  token.set_app_id(row[3].as<std::string>());
  token.set_platform(PlatformCodes().FromCode(row[4].as<std::string>()));
  token.set_token_suffix(TokenSuffix(row[5].as<std::string>()));
  token.set_app_version(row[6].as<std::string>());
  token.set_locale(row[7].as<std::string>());
  token.set_time_zone(row[8].as<std::string>());
  token.set_apns_sandbox(row[9].as<bool>());
  db::SetTimestamp(row[10].as<int64_t>(), token.mutable_created_at());
  db::SetTimestamp(row[11].as<int64_t>(), token.mutable_last_seen_at());
  db::SetTimestampIfSet(row[12].as<int64_t>(), token, &v1::PushToken::mutable_invalidated_at);
  token.set_invalid_reason(row[13].as<std::string>());
  return token;
}

}  // namespace

std::vector<db::PreparedStatement> TokenStore::PreparedStatements() {
  // By user only (the (user_id, last_seen_at) index): one plan for every call.
  return {{kList, absl::StrCat("SELECT ", TokenColumns(),
                               " FROM push_tokens WHERE user_id = $1 "
                               "ORDER BY last_seen_at DESC, id DESC LIMIT $2")}};
}

absl::StatusOr<v1::PushToken> TokenStore::Register(db::WriteTx& tx, const std::string& user,
                                                   const v1::RegisterPushTokenRequest& request) {
  try {
    return Upsert(tx, user, request);
  } catch (const pqxx::unique_violation&) {
    // Never the exception's text: its DETAIL line quotes the token.
    return absl::AbortedError(
        "token: registration conflicted with a concurrent one for the same token; retry");
  }
}

v1::PushToken TokenStore::Upsert(db::WriteTx& tx, const std::string& user,
                                 const v1::RegisterPushTokenRequest& request) {
  const std::string platform = PlatformCodes().Code(request.platform());
  tx.Query("SELECT pg_advisory_xact_lock($1, hashtext($2))", kTokenLockClass,
           absl::StrCat(platform, ":", request.token()));
  // The token at another installation (a reinstall with a new device id,
  // or another user's device): it is this registration's now.
  pqxx::result elsewhere = tx.Query(
      "SELECT id::text FROM push_tokens WHERE platform = $1 AND token = $2 "
      "AND (app_id, device_id) <> ($3, $4) FOR UPDATE",
      platform, request.token(), request.app_id(), request.device_id());
  if (!elsewhere.empty()) {
    std::vector<std::string> ids;
    for (const pqxx::row& row : elsewhere) ids.push_back(row[0].as<std::string>());
    FinishQueuedAsInvalidToken(tx, ids, "token registered by another installation");
    tx.Query("DELETE FROM push_tokens WHERE id = ANY($1::uuid[])", db::ArrayLiteral(ids));
  }
  pqxx::result rows = tx.Query(
      absl::StrCat(
          "INSERT INTO push_tokens (user_id, app_id, device_id, platform, token, app_version, "
          "locale, time_zone, apns_sandbox) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
          "ON CONFLICT (app_id, device_id) DO UPDATE SET user_id = EXCLUDED.user_id, "
          "platform = EXCLUDED.platform, token = EXCLUDED.token, "
          "app_version = EXCLUDED.app_version, locale = EXCLUDED.locale, "
          "time_zone = EXCLUDED.time_zone, apns_sandbox = EXCLUDED.apns_sandbox, "
          "last_seen_at = clock_timestamp(), "
          // A provider's verdict holds for the token it was about only.
          "invalidated_at = CASE WHEN push_tokens.platform = EXCLUDED.platform "
          "AND push_tokens.token = EXCLUDED.token THEN push_tokens.invalidated_at END, "
          "invalid_reason = CASE WHEN push_tokens.platform = EXCLUDED.platform "
          "AND push_tokens.token = EXCLUDED.token THEN push_tokens.invalid_reason END "
          "RETURNING ",
          TokenColumns()),
      user, request.app_id(), request.device_id(), platform, request.token(), request.app_version(),
      request.locale(), request.time_zone(), request.apns_sandbox());
  v1::PushToken token = TokenFrom(rows[0]);
  // The device changed hands: the previous user's queued pushes must not
  // reach the new one.
  FinishQueuedAsInvalidToken(tx, {token.id()}, "token moved to another user", user);
  return token;
}

std::optional<std::string> TokenStore::Unregister(db::WriteTx& tx, const std::string& user,
                                                  const std::string& app_id,
                                                  const std::string& device_id) {
  pqxx::result rows = tx.Query(
      "SELECT id::text FROM push_tokens WHERE user_id = $1 AND app_id = $2 AND device_id = $3 "
      "FOR UPDATE",
      user, app_id, device_id);
  if (rows.empty()) return std::nullopt;
  const std::string id = rows[0][0].as<std::string>();
  FinishQueuedAsInvalidToken(tx, {id}, "token unregistered");
  tx.Query("DELETE FROM push_tokens WHERE id = $1", id);
  return id;
}

void TokenStore::ListAsync(db::AsyncReadPool& reads, const std::string& user, int limit,
                           absl::Time deadline, db::RowsDone<v1::PushToken> done) {
  db::QueryRows<v1::PushToken>(reads, kList, db::AsyncParams(user, limit), deadline, TokenFrom,
                               std::move(done));
}

std::vector<ActiveToken> TokenStore::ActiveTokensOf(db::WriteTx& tx,
                                                    const std::vector<std::string>& users) {
  pqxx::result rows = tx.Query(
      "SELECT id::text, user_id::text, time_zone FROM push_tokens "
      "WHERE user_id = ANY($1::uuid[]) AND invalidated_at IS NULL ORDER BY user_id, id "
      // Held until the send commits: a concurrent move, unregister or prune
      // of one of these rows waits, and then finishes the send's queued
      // delivery on it (or, having gone first, is not seen here).
      "FOR SHARE",
      db::ArrayLiteral(users));
  std::vector<ActiveToken> tokens;
  tokens.reserve(rows.size());
  for (const pqxx::row& row : rows) {
    tokens.push_back(
        {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
  }
  return tokens;
}

int TokenStore::PruneStale(db::WriteTx& tx, absl::Duration stale_after, int limit) {
  pqxx::result rows = tx.Query(
      "SELECT id::text FROM push_tokens "
      "WHERE last_seen_at < clock_timestamp() - make_interval(secs => $1) "
      "ORDER BY last_seen_at LIMIT $2 FOR UPDATE SKIP LOCKED",
      absl::ToDoubleSeconds(stale_after), limit);
  if (rows.empty()) return 0;
  std::vector<std::string> ids;
  ids.reserve(rows.size());
  for (const pqxx::row& row : rows) ids.push_back(row[0].as<std::string>());
  FinishQueuedAsInvalidToken(tx, ids, "token pruned as stale");
  tx.Query("DELETE FROM push_tokens WHERE id = ANY($1::uuid[])", db::ArrayLiteral(ids));
  return static_cast<int>(ids.size());
}

}  // namespace qs::notification
