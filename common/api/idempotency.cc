#include "common/api/idempotency.h"

#include <openssl/sha.h>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "pqxx/binarystring"

namespace qs::api::internal {
namespace {

constexpr size_t kMaxRequestIdBytes = 128;

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

absl::StatusOr<std::optional<std::string>> ClaimOrReplay(db::WriteTx& tx,
                                                         const IdempotencyKey& key) {
  pqxx::binarystring fingerprint = Fingerprint(key.request);
  // Blocks while another transaction holds the same key, then either
  // claims it (that one rolled back) or sees the conflict (it committed).
  pqxx::result claimed = tx.Query(
      "INSERT INTO idempotency_keys (scope, request_id, request_hash) "
      "VALUES ($1, $2, $3) ON CONFLICT (scope, request_id) DO NOTHING "
      "RETURNING id",
      key.scope, key.request_id, fingerprint);
  if (!claimed.empty()) return std::optional<std::string>();

  pqxx::result stored = tx.Query(
      "SELECT request_hash, response FROM idempotency_keys "
      "WHERE scope = $1 AND request_id = $2",
      key.scope, key.request_id);
  if (stored.empty()) {
    return absl::AbortedError("request_id: concurrent claim vanished; retry");
  }
  if (pqxx::binarystring(stored[0][0]) != fingerprint) {
    return absl::InvalidArgumentError("request_id: already used for a different request");
  }
  return std::optional<std::string>(pqxx::binarystring(stored[0][1]).str());
}

void StoreResponse(db::WriteTx& tx, const IdempotencyKey& key, const std::string& response_bytes) {
  // Deferred: it travels with the commit (the mutation's last round trip).
  tx.Defer(
      "UPDATE idempotency_keys SET response = $3 "
      "WHERE scope = $1 AND request_id = $2",
      key.scope, key.request_id, pqxx::binarystring(response_bytes.data(), response_bytes.size()));
}

}  // namespace qs::api::internal
