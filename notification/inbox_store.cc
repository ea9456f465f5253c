#include "notification/inbox_store.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/db/keyset_sql.h"
#include "common/db/row_mapping.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "pqxx/pqxx"

namespace qs::notification {
namespace {

// The visible part of an inbox: what every read and mark is about.
constexpr char kInInbox[] = "l.deleted_at IS NULL AND l.in_inbox";

// A notification with its delivery summary (one aggregate over the
// deliveries index per row, so a page costs page-size index probes).
const std::string& NotificationSelect() {
  static const std::string* sql = new std::string(absl::StrCat(
      "SELECT l.id::text, l.user_id::text, coalesce(l.sender_id::text, ''), l.category, l.title, "
      "l.body, l.data::text, l.deep_link, l.priority, l.collapse_key, l.time_to_live_seconds, ",
      db::MicrosSql("l.created_at"), ", ", db::MicrosOrZeroSql("l.seen_at"), ", ",
      db::MicrosOrZeroSql("l.read_at"), ", ", db::MicrosOrZeroSql("l.archived_at"),
      ", s.queued, s.sending, s.sent, s.failed, s.invalid_token, s.muted, s.expired "
      "FROM notification_logs l CROSS JOIN LATERAL (SELECT "
      "count(*) FILTER (WHERE d.state = 'queued') AS queued, "
      "count(*) FILTER (WHERE d.state = 'sending') AS sending, "
      "count(*) FILTER (WHERE d.state = 'sent') AS sent, "
      "count(*) FILTER (WHERE d.state = 'failed') AS failed, "
      "count(*) FILTER (WHERE d.state = 'invalid_token') AS invalid_token, "
      "count(*) FILTER (WHERE d.state = 'muted') AS muted, "
      "count(*) FILTER (WHERE d.state = 'expired') AS expired "
      "FROM deliveries d WHERE d.notification_log_id = l.id) s "));
  return *sql;
}

std::string DataJson(const google::protobuf::Map<std::string, std::string>& data) {
  google::protobuf::Struct object;
  for (const auto& [key, value] : data) (*object.mutable_fields())[key].set_string_value(value);
  std::string json;
  // Validated UTF-8 strings: conversion cannot fail.
  (void)google::protobuf::util::MessageToJsonString(object, &json);
  return json;
}

void SetDataFromJson(const std::string& json, v1::Notification& notification) {
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(json, &object).ok()) return;
  for (const auto& [key, value] : object.fields()) {
    (*notification.mutable_data())[key] = value.string_value();
  }
}

v1::Notification NotificationFrom(const pqxx::row& row) {
  v1::Notification notification;
  notification.set_id(row[0].as<std::string>());
  notification.set_user_id(row[1].as<std::string>());
  notification.set_sender_user_id(row[2].as<std::string>());
  notification.set_sent_by_system(notification.sender_user_id().empty());
  notification.set_category(row[3].as<std::string>());
  notification.set_title(row[4].as<std::string>());
  notification.set_body(row[5].as<std::string>());
  SetDataFromJson(row[6].as<std::string>(), notification);
  notification.set_deep_link(row[7].as<std::string>());
  notification.set_priority(PriorityCodes().FromCode(row[8].as<std::string>()));
  notification.set_collapse_key(row[9].as<std::string>());
  notification.set_time_to_live_seconds(row[10].as<int>());
  db::SetTimestamp(row[11].as<int64_t>(), notification.mutable_created_at());
  db::SetTimestampIfSet(row[12].as<int64_t>(), notification, &v1::Notification::mutable_seen_at);
  db::SetTimestampIfSet(row[13].as<int64_t>(), notification, &v1::Notification::mutable_read_at);
  db::SetTimestampIfSet(row[14].as<int64_t>(), notification,
                        &v1::Notification::mutable_archived_at);
  v1::DeliverySummary& summary = *notification.mutable_deliveries();
  summary.set_queued(row[15].as<int>());
  summary.set_sending(row[16].as<int>());
  summary.set_sent(row[17].as<int>());
  summary.set_failed(row[18].as<int>());
  summary.set_invalid_token(row[19].as<int>());
  summary.set_muted(row[20].as<int>());
  summary.set_expired(row[21].as<int>());
  return notification;
}

// The condition of each filter; the unread and unseen ones are exactly the
// partial indexes' predicates (see the migration), so the planner uses them.
std::string FilterCondition(v1::InboxFilter filter) {
  switch (filter) {
    case v1::INBOX_FILTER_UNREAD:
      return " AND l.read_at IS NULL AND l.archived_at IS NULL";
    case v1::INBOX_FILTER_UNSEEN:
      return " AND l.seen_at IS NULL AND l.archived_at IS NULL";
    case v1::INBOX_FILTER_ARCHIVED:
      return " AND l.archived_at IS NOT NULL";
    default:
      return "";
  }
}

const char* MarkAssignment(InboxMark mark) {
  switch (mark) {
    case InboxMark::kSeen:
      return "seen_at = coalesce(seen_at, clock_timestamp())";
    case InboxMark::kRead:
      return "seen_at = coalesce(seen_at, clock_timestamp()), "
             "read_at = coalesce(read_at, clock_timestamp())";
    case InboxMark::kUnread:
      return "read_at = NULL";
    case InboxMark::kArchive:
      return "archived_at = coalesce(archived_at, clock_timestamp())";
    case InboxMark::kDelete:
      return "deleted_at = clock_timestamp()";
  }
  return "";
}

// The inbox reads on the async read path (PreparedStatements): one listing
// per filter, so that each keeps its partial index's predicate.
constexpr char kListAll[] = "notification_inbox_list_all";
constexpr char kListUnread[] = "notification_inbox_list_unread";
constexpr char kListUnseen[] = "notification_inbox_list_unseen";
constexpr char kListArchived[] = "notification_inbox_list_archived";
constexpr char kUnreadByCategory[] = "notification_inbox_unread_by_category";

const char* ListStatement(v1::InboxFilter filter) {
  switch (filter) {
    case v1::INBOX_FILTER_UNREAD:
      return kListUnread;
    case v1::INBOX_FILTER_UNSEEN:
      return kListUnseen;
    case v1::INBOX_FILTER_ARCHIVED:
      return kListArchived;
    default:
      return kListAll;
  }
}

// $1 user, $2/$3 the keyset position (id, created_at micros; "" = first
// page), $4 the limit.
std::string ListSql(v1::InboxFilter filter) {
  return absl::StrCat(NotificationSelect(), "WHERE l.user_id = $1 AND ", kInInbox,
                      FilterCondition(filter), " AND ", db::KeysetBeforeSql("l.created_at", "l.id"),
                      " ORDER BY l.created_at DESC, l.id DESC LIMIT $4");
}

}  // namespace

std::vector<db::PreparedStatement> InboxStore::PreparedStatements() {
  std::vector<db::PreparedStatement> statements;
  for (v1::InboxFilter filter : {v1::INBOX_FILTER_ALL, v1::INBOX_FILTER_UNREAD,
                                 v1::INBOX_FILTER_UNSEEN, v1::INBOX_FILTER_ARCHIVED}) {
    // The optional position decides between an index seek and a scan from
    // the top: planned per call.
    statements.push_back({ListStatement(filter), ListSql(filter), db::Planning::kPerCall});
  }
  // By user only: one plan fits every call (the unread partial index).
  statements.push_back(
      {kUnreadByCategory,
       absl::StrCat(
           "SELECT l.category, count(*) FROM notification_logs l WHERE l.user_id = $1 AND ",
           kInInbox, FilterCondition(v1::INBOX_FILTER_UNREAD), " GROUP BY l.category")});
  return statements;
}

void InboxStore::InsertSend(db::WriteTx& tx, const std::string& sender,
                            const v1::SendNotificationRequest& request, const SendPlan& plan) {
  std::vector<std::string> ids, users;
  std::vector<bool> in_inbox;
  for (const PlannedNotification& notification : plan.notifications) {
    ids.push_back(notification.id);
    users.push_back(notification.user_id);
    in_inbox.push_back(notification.in_inbox);
  }
  const v1::Priority priority =
      request.priority() == v1::PRIORITY_UNSPECIFIED ? v1::PRIORITY_NORMAL : request.priority();
  // Both INSERTs are deferred: the plan already holds every id the
  // response names, so they travel with the COMMIT (or the transaction's
  // next statement), and a 1,000-recipient send costs no round trip here.
  tx.Defer(
      "INSERT INTO notification_logs (id, user_id, in_inbox, sender_id, category, title, body, "
      "data, deep_link, priority, collapse_key, time_to_live_seconds, expires_at) "
      "SELECT n.id, n.user_id, n.in_inbox, NULLIF($4, '')::uuid, $5, $6, $7, $8::jsonb, $9, $10, "
      "$11, $12, CASE WHEN $12 > 0 THEN clock_timestamp() + make_interval(secs => $12) END "
      "FROM unnest($1::uuid[], $2::uuid[], $3::boolean[]) AS n(id, user_id, in_inbox)",
      db::ArrayLiteral(ids), db::ArrayLiteral(users), db::BoolArrayLiteral(in_inbox), sender,
      request.category(), request.title(), request.body(), DataJson(request.data()),
      request.deep_link(), PriorityCodes().Code(priority), request.collapse_key(),
      request.time_to_live_seconds());
  if (plan.deliveries.empty()) return;
  std::vector<std::string> logs, tokens, recipients, states, due;
  for (const PlannedDelivery& delivery : plan.deliveries) {
    logs.push_back(delivery.notification_log_id);
    tokens.push_back(delivery.push_token_id);
    recipients.push_back(delivery.user_id);
    states.push_back(DeliveryStateCodes().Code(delivery.state));
    // 0: at once, by the database's clock.
    due.push_back(delivery.next_attempt_at == absl::InfinitePast()
                      ? "0"
                      : absl::StrCat(absl::ToUnixMicros(delivery.next_attempt_at)));
  }
  tx.Defer(
      absl::StrCat("INSERT INTO deliveries (notification_log_id, push_token_id, user_id, state, "
                   "next_attempt_at, finished_at) "
                   "SELECT d.log_id, d.token_id, d.user_id, d.state, "
                   "CASE WHEN d.due = 0 THEN clock_timestamp() ELSE ",
                   db::TimestampSql("d.due"),
                   " END, CASE WHEN d.state = 'queued' THEN NULL ELSE clock_timestamp() END "
                   "FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::bigint[]) "
                   "AS d(log_id, token_id, user_id, state, due)"),
      db::ArrayLiteral(logs), db::ArrayLiteral(tokens), db::ArrayLiteral(recipients),
      db::ArrayLiteral(states), db::ArrayLiteral(due));
}

void InboxStore::ListAsync(db::AsyncReadPool& reads, const std::string& user,
                           v1::InboxFilter filter, const std::optional<api::KeysetPosition>& after,
                           int limit, absl::Time deadline, db::RowsDone<v1::Notification> done) {
  db::QueryRows<v1::Notification>(
      reads, ListStatement(filter),
      db::AsyncParams(user, db::KeysetIdParam(after), db::KeysetKeyParam(after), limit), deadline,
      NotificationFrom, std::move(done));
}

absl::StatusOr<std::vector<v1::Notification>> InboxStore::Mark(db::WriteTx& tx,
                                                               const std::string& user,
                                                               const std::vector<std::string>& ids,
                                                               InboxMark mark) {
  const std::string id_array = db::ArrayLiteral(ids);
  std::set<std::string> found;
  for (const pqxx::row& row :
       tx.Query(absl::StrCat("SELECT l.id::text FROM notification_logs l WHERE l.user_id = $1 "
                             "AND l.id = ANY($2::uuid[]) AND ",
                             kInInbox, " FOR UPDATE"),
                user, id_array)) {
    found.insert(row[0].as<std::string>());
  }
  for (const std::string& id : ids) {
    if (found.count(id) == 0) {
      return absl::NotFoundError(absl::StrCat("notification_ids: ", id, " is not in your inbox"));
    }
  }
  tx.Query(absl::StrCat("UPDATE notification_logs SET ", MarkAssignment(mark),
                        " WHERE user_id = $1 AND id = ANY($2::uuid[])"),
           user, id_array);
  std::vector<v1::Notification> notifications;
  if (mark == InboxMark::kDelete) return notifications;
  std::map<std::string, v1::Notification> by_id;
  for (const pqxx::row& row : tx.Query(
           absl::StrCat(NotificationSelect(), "WHERE l.user_id = $1 AND l.id = ANY($2::uuid[])"),
           user, id_array)) {
    v1::Notification notification = NotificationFrom(row);
    std::string id = notification.id();
    by_id.emplace(std::move(id), std::move(notification));
  }
  for (const std::string& id : ids) notifications.push_back(std::move(by_id[id]));
  return notifications;
}

int64_t InboxStore::MarkAllRead(db::WriteTx& tx, const std::string& user,
                                const std::string& category) {
  return tx
      .Query(absl::StrCat("UPDATE notification_logs l SET seen_at = coalesce(l.seen_at, "
                          "clock_timestamp()), read_at = clock_timestamp() "
                          "WHERE l.user_id = $1 AND ",
                          kInInbox, FilterCondition(v1::INBOX_FILTER_UNREAD),
                          " AND ($2 = '' OR l.category = $2)"),
             user, category)
      .affected_rows();
}

void InboxStore::UnreadByCategoryAsync(db::AsyncReadPool& reads, const std::string& user,
                                       absl::Time deadline, UnreadCountsDone done) {
  using CategoryCount = std::pair<std::string, int64_t>;
  db::QueryRows<CategoryCount>(
      reads, kUnreadByCategory, db::AsyncParams(user), deadline,
      [](const pqxx::row& row) {
        return CategoryCount{row[0].as<std::string>(), row[1].as<int64_t>()};
      },
      [done = std::move(done)](absl::StatusOr<std::vector<CategoryCount>> rows) {
        if (!rows.ok()) return done(rows.status());
        done(std::map<std::string, int64_t>(rows->begin(), rows->end()));
      });
}

int InboxStore::PruneOld(db::WriteTx& tx, absl::Duration retention, int limit) {
  // The deliveries go with their notification (ON DELETE CASCADE).
  return tx
      .Query(
          "DELETE FROM notification_logs WHERE id IN (SELECT l.id FROM notification_logs l "
          "WHERE l.created_at < clock_timestamp() - make_interval(secs => $1) "
          "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_log_id = l.id "
          "AND d.finished_at IS NULL) "
          "ORDER BY l.created_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
          absl::ToDoubleSeconds(retention), limit)
      .affected_rows();
}

}  // namespace qs::notification
