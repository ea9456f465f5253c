#include "common/events/events_replay.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "common/db/row_mapping.h"
#include "pqxx/binarystring"

namespace qs::events {
namespace {

constexpr int kPageSize = 500;

// Matches `type` as a full name or as its last component; `$N` is the filter
// ('' = all).
std::string TypeFilterSql(absl::string_view parameter) {
  return absl::StrCat("(", parameter, " = '' OR type = ", parameter, " OR right(type, length(",
                      parameter, ") + 1) = '.' || ", parameter, ")");
}

struct OutboxRow {
  std::string id;
  std::string type;
  std::string envelope;
  int64_t created_micros = 0;
};

// One page of rows after the keyset position (created_at, id), oldest first.
absl::StatusOr<std::vector<OutboxRow>> ReadPage(db::Database& database, int64_t after_micros,
                                                const std::string& after_id, bool inclusive,
                                                const std::string& type) {
  // On the primary: the replica may trail the last commits. ORDER BY names
  // outbox_events.id: a bare `id` would be the text column selected, not the
  // uuid of the keyset (and of the (created_at, id) index).
  return database.ReadFromPrimary([&](db::ReadTx& tx) -> absl::StatusOr<std::vector<OutboxRow>> {
    std::vector<OutboxRow> rows;
    pqxx::result result =
        tx.Query(absl::StrCat("SELECT id::text, type, envelope, ", db::MicrosSql("created_at"),
                              " FROM outbox_events WHERE (created_at, id) ", inclusive ? ">=" : ">",
                              " (", db::TimestampSql("$1"), ", $2::uuid) AND ", TypeFilterSql("$3"),
                              " ORDER BY created_at, outbox_events.id LIMIT $4"),
                 after_micros, after_id, type, kPageSize);
    for (const pqxx::row& row : result) {
      rows.push_back({row[0].as<std::string>(), row[1].as<std::string>(),
                      pqxx::binarystring(row[2]).str(), row[3].as<int64_t>()});
    }
    return rows;
  });
}

// Publishes one row synchronously; returns whether the stream called it a
// duplicate.
absl::StatusOr<bool> Publish(NatsConnection& nats, const std::string& subject, const OutboxRow& row,
                             const EventStreamSettings& settings) {
  natsMsg* message = nullptr;
  natsStatus s = natsMsg_Create(&message, subject.c_str(), nullptr, row.envelope.data(),
                                static_cast<int>(row.envelope.size()));
  if (s == NATS_OK) s = natsMsgHeader_Set(message, "Nats-Msg-Id", row.id.c_str());
  if (s != NATS_OK) {
    natsMsg_Destroy(message);
    return StatusFromNats(s, "message of event " + row.id);
  }
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = absl::ToInt64Milliseconds(settings.publish_timeout);
  jsPubAck* ack = nullptr;
  jsErrCode error = static_cast<jsErrCode>(0);
  s = js_PublishMsg(&ack, nats.jetstream(), message, &options, &error);
  natsMsg_Destroy(message);
  if (s != NATS_OK) return StatusFromNats(s, "publish event " + row.id, error);
  const bool duplicate = ack->Duplicate;
  jsPubAck_Destroy(ack);
  return duplicate;
}

}  // namespace

bool IsValidTypeFilter(const std::string& type) {
  if (type.empty() || type.size() > 200 || type.front() == '.' || type.back() == '.') {
    return false;
  }
  for (char c : type) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.') return false;
  }
  return true;
}

absl::StatusOr<absl::Time> ResolveReplayStart(db::Database& database, const std::string& since) {
  if (api::IsUuid(since)) {
    absl::StatusOr<int64_t> micros =
        database.ReadFromPrimary([&](db::ReadTx& tx) -> absl::StatusOr<int64_t> {
          pqxx::result rows = tx.Query(absl::StrCat("SELECT ", db::MicrosSql("created_at"),
                                                    " FROM outbox_events WHERE id = $1::uuid"),
                                       since);
          if (rows.empty()) {
            return absl::NotFoundError(
                absl::StrCat("--since: no outbox row has id ", since,
                             " (pruned by the retention, or not an event of this service)"));
          }
          return rows[0][0].as<int64_t>();
        });
    if (!micros.ok()) return micros.status();
    return absl::FromUnixMicros(*micros);
  }
  return ParseReplayStartTime(since);
}

absl::StatusOr<absl::Time> ParseReplayStartTime(const std::string& since) {
  absl::Time from;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, since, &from, &error)) {
    return absl::InvalidArgumentError(
        "--since: expected an RFC 3339 time (e.g. 2026-12-01T15:00:00Z) or an event id");
  }
  return from;
}

bool IsReplayStart(const std::string& since) {
  return api::IsUuid(since) || ParseReplayStartTime(since).ok();
}

absl::StatusOr<ReplayResult> ReplayOutbox(db::Database& database, NatsConnection* nats,
                                          const EventStreamSettings& settings,
                                          const ReplayRequest& request) {
  ReplayResult result;
  absl::StatusOr<int64_t> oldest =
      database.ReadFromPrimary([&](db::ReadTx& tx) -> absl::StatusOr<int64_t> {
        pqxx::result rows = tx.Query(
            absl::StrCat("SELECT ", db::MicrosOrZeroSql("min(created_at)"), " FROM outbox_events"));
        return rows[0][0].as<int64_t>();
      });
  if (!oldest.ok()) return oldest.status();
  if (*oldest != 0) result.oldest_kept = absl::FromUnixMicros(*oldest);

  const EventStreamNames names(settings.name_space);
  if (!request.dry_run) {
    // After a broker loss the stream itself is gone.
    absl::Status stream = nats->EnsureStream(names.Stream(request.service),
                                             names.StreamSubjects(request.service), settings);
    if (!stream.ok()) return stream;
  }
  int64_t after_micros = absl::ToUnixMicros(request.from);
  std::string after_id = "00000000-0000-0000-0000-000000000000";
  bool inclusive = true;
  while (true) {
    absl::StatusOr<std::vector<OutboxRow>> page =
        ReadPage(database, after_micros, after_id, inclusive, request.type);
    if (!page.ok()) return page.status();
    for (const OutboxRow& row : *page) {
      ++result.matched;
      if (request.dry_run) continue;
      absl::StatusOr<bool> duplicate =
          Publish(*nats, names.Subject(request.service, row.type), row, settings);
      if (!duplicate.ok()) {
        return absl::Status(duplicate.status().code(),
                            absl::StrCat(duplicate.status().message(), " (after ", result.published,
                                         " published)"));
      }
      ++result.published;
      if (*duplicate) ++result.duplicates;
    }
    if (page->size() < static_cast<size_t>(kPageSize)) break;
    after_micros = page->back().created_micros;
    after_id = page->back().id;
    inclusive = false;
  }
  return result;
}

}  // namespace qs::events
