#include "common/api/idempotency.h"

#include <openssl/sha.h>

#include "absl/strings/str_cat.h"
#include "common/db/db_error.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "pqxx/binarystring"
#include "pqxx/except"

namespace qs::api::internal {
namespace {

constexpr size_t kMaxRequestIdBytes = 128;

// What idempotency_lock_key and idempotency_record raise when the key is
// taken (migrations/common).
constexpr char kKeyTaken[] = "QI001";

pqxx::binarystring Fingerprint(const google::protobuf::Message& request) {
  // Deterministic serialisation: equal requests give equal bytes.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return pqxx::binarystring(digest, sizeof(digest));
}

}  // namespace

absl::Status ValidateRequestId(const std::string& request_id) {
  if (request_id.empty()) {
    return absl::InvalidArgumentError("request_id: required for this mutation");
  }
  if (request_id.size() > kMaxRequestIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat("request_id: at most ", kMaxRequestIdBytes,
                                                   " bytes, got ", request_id.size()));
  }
  for (unsigned char c : request_id) {
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError("request_id: only printable ASCII without spaces");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> RunClaimed(db::Database& database,
                                                      const IdempotencyKey& key,
                                                      const SerializedMutation& mutation) {
  const pqxx::binarystring fingerprint = Fingerprint(key.request);
  bool taken = false;
  absl::StatusOr<std::string> written =
      database.Write([&](db::WriteTx& tx) -> absl::StatusOr<std::string> {
        const int sent_before = tx.round_trips();
        // Ahead of everything the mutation sends. It blocks while another
        // transaction holds the key, then holds it itself (that one rolled
        // back) or raises kKeyTaken (it committed): the statements behind
        // it in the round trip are skipped, and read nothing stale.
        tx.Defer("SELECT idempotency_lock_key($1, $2)", key.scope, key.request_id);
        absl::StatusOr<std::string> response;
        try {
          response = mutation(tx);
          // A mutation that sent nothing: the claim's answer is needed
          // before the commit (or before a failure is reported).
          if (tx.round_trips() == sent_before) tx.SendWaiting();
        } catch (const pqxx::sql_error& e) {
          if (e.sqlstate() != kKeyTaken) throw;
        }
        // Also when a store caught the claim's error and answered otherwise.
        if (tx.failed_sqlstate() == kKeyTaken) {
          taken = true;
          return absl::AbortedError("request_id: already used");  // Never returned.
        }
        if (response.ok()) {
          // Deferred: it travels with the commit (the mutation's last round
          // trip). It raises kKeyTaken when an older binary's claim, which
          // inserts the key without locking it, got there first.
          tx.Defer("SELECT idempotency_record($1, $2, $3, $4)", key.scope, key.request_id,
                   fingerprint, pqxx::binarystring(response->data(), response->size()));
        }
        return response;
      });
  if (!written.ok() && db::SqlStateOf(written.status()) == kKeyTaken) taken = true;
  if (!taken) {
    if (!written.ok()) return written.status();
    return std::optional<std::string>();
  }
  // A committed first call: its row, read where it was written.
  return database.ReadFromPrimary(
      [&](db::ReadTx& tx) -> absl::StatusOr<std::optional<std::string>> {
        pqxx::result stored = tx.Query(
            "SELECT request_hash, response FROM idempotency_keys "
            "WHERE scope = $1 AND request_id = $2",
            key.scope, key.request_id);
        if (stored.empty() || stored[0][1].is_null()) {
          // Expired and swept between the claim and this read.
          return absl::AbortedError("request_id: the first call's record vanished; retry");
        }
        if (pqxx::binarystring(stored[0][0]) != fingerprint) {
          return absl::InvalidArgumentError("request_id: already used for a different request");
        }
        return std::optional<std::string>(pqxx::binarystring(stored[0][1]).str());
      });
}

}  // namespace qs::api::internal
