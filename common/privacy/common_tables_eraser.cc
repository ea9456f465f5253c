#include "common/privacy/common_tables_eraser.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "common/api/uuid.h"
#include "pqxx/binarystring"
#include "proto/events/v1/events.pb.h"
#include "spdlog/spdlog.h"

namespace qs::privacy {
namespace {

// Envelopes written by our services hold ids in lower case, but a
// client-supplied id may have kept its case: both spellings are matched.
constexpr const char* kMentionsInEnvelope =
    "(position(convert_to($1::text, 'UTF8') IN envelope) > 0 "
    "OR position(convert_to(upper($1::text), 'UTF8') IN envelope) > 0)";

bool ParsesAsEnvelope(const std::string& bytes) {
  ::events::v1::EventEnvelope envelope;
  return envelope.ParseFromString(bytes);
}

// Why a same-length rewrite is safe: a UUID in an envelope is the whole
// content of a string field (36 bytes), so putting another UUID in its
// place changes no length prefix and the bytes still parse. Checked all
// the same: a rewrite that would no longer parse is not stored.
class EnvelopeRewriter {
 public:
  EnvelopeRewriter(const std::string& user_id, std::string stand_in)
      : user_id_(user_id),
        upper_user_id_(absl::AsciiStrToUpper(user_id)),
        stand_in_(std::move(stand_in)) {}

  // The rewritten envelope, or nullopt when it would not parse although the
  // original did. An envelope that never parsed (parked as malformed) is
  // rewritten all the same: it cannot get worse.
  std::optional<std::string> Rewrite(const std::string& envelope) const {
    std::string rewritten =
        absl::StrReplaceAll(envelope, {{user_id_, stand_in_}, {upper_user_id_, stand_in_}});
    if (!ParsesAsEnvelope(rewritten) && ParsesAsEnvelope(envelope)) return std::nullopt;
    return rewritten;
  }

  const std::string& stand_in() const { return stand_in_; }

 private:
  std::string user_id_;
  std::string upper_user_id_;
  std::string stand_in_;
};

pqxx::binarystring Bytes(const std::string& bytes) {
  return pqxx::binarystring(bytes.data(), bytes.size());
}

// Outbox rows, relayed or not, are other users' events too (a MatchFinished
// for him and two others): each keeps its id, type, order and published_at,
// with the stand-in in his place, so the others still get it and `events
// replay` still has it. Rows are locked first: two erasures rewriting one
// row must not each write back an envelope the other has not rewritten.
int64_t RewriteOutbox(db::WriteTx& tx, const std::string& user_id,
                      const EnvelopeRewriter& rewriter) {
  int64_t rows = 0;
  for (const auto& row :
       tx.Query(std::string("SELECT id::text, envelope FROM outbox_events "
                            "WHERE type <> 'ops.v1.UserErased' AND (aggregate_id = $1::uuid OR ") +
                    kMentionsInEnvelope + ") ORDER BY id FOR UPDATE",
                user_id)) {
    const std::string id = row[0].as<std::string>();
    std::optional<std::string> rewritten = rewriter.Rewrite(pqxx::binarystring(row[1]).str());
    if (!rewritten) {
      spdlog::warn("erasure: outbox event {} would not parse once rewritten; deleted", id);
      rows += tx.Query("DELETE FROM outbox_events WHERE id = $1", id).affected_rows();
      continue;
    }
    rows += tx.Query(
                  "UPDATE outbox_events SET envelope = $2, aggregate_id = CASE WHEN "
                  "aggregate_id = $3::uuid THEN $4::uuid ELSE aggregate_id END WHERE id = $1",
                  id, Bytes(*rewritten), user_id, rewriter.stand_in())
                .affected_rows();
  }
  return rows;
}

// Dead letters the same way, so another user's parked event can still be
// retried; his id also goes from the reason and the last retry error (a
// UUID is a regular expression of itself; 'gi' finds any case).
int64_t RewriteDeadLetters(db::WriteTx& tx, const std::string& user_id,
                           const EnvelopeRewriter& rewriter) {
  int64_t rows = 0;
  for (const auto& row :
       tx.Query(std::string("SELECT id::text, envelope FROM dead_letter_events "
                            "WHERE type IS DISTINCT FROM 'ops.v1.UserErased' AND (") +
                    kMentionsInEnvelope +
                    " OR position($1::text IN lower(reason || coalesce(last_retry_error, ''))) "
                    "> 0) ORDER BY id FOR UPDATE",
                user_id)) {
    const std::string id = row[0].as<std::string>();
    std::optional<std::string> rewritten = rewriter.Rewrite(pqxx::binarystring(row[1]).str());
    if (!rewritten) {
      spdlog::warn("erasure: dead letter {} would not parse once rewritten; deleted", id);
      rows += tx.Query("DELETE FROM dead_letter_events WHERE id = $1", id).affected_rows();
      continue;
    }
    rows += tx.Query(
                  "UPDATE dead_letter_events SET envelope = $2, "
                  "reason = regexp_replace(reason, $3, $4, 'gi'), "
                  "last_retry_error = regexp_replace(last_retry_error, $3, $4, 'gi') "
                  "WHERE id = $1",
                  id, Bytes(*rewritten), user_id, rewriter.stand_in())
                .affected_rows();
  }
  return rows;
}

}  // namespace

int64_t EraseFromCommonTables(db::WriteTx& tx, const std::string& user_id) {
  const EnvelopeRewriter rewriter(user_id, api::NewUuidV4());
  int64_t rows = RewriteOutbox(tx, user_id, rewriter);
  // Idempotency records are replayable responses, not events: deleting his
  // loses nobody else anything.
  rows += tx.Query(
                "DELETE FROM idempotency_keys WHERE position($1::text IN lower(scope)) > 0 "
                "OR position($1::text IN lower(request_id)) > 0 "
                "OR position(convert_to($1::text, 'UTF8') IN coalesce(response, ''::bytea)) > 0 "
                "OR position(convert_to(upper($1::text), 'UTF8') IN coalesce(response, ''::bytea)) "
                "> 0",
                user_id)
              .affected_rows();
  rows += RewriteDeadLetters(tx, user_id, rewriter);
  return rows;
}

}  // namespace qs::privacy
