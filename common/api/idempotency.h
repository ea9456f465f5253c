// Request-id idempotency for mutations: the first result is stored in the
// service's own database (table idempotency_keys) in the same transaction as
// the mutation, and replayed for every retry with the same request id.
//
//   IdempotencyKey key{.scope = "quest.v1.AttemptService/SubmitAttempt:" + user,
//                      .request_id = request.request_id(),
//                      .request = request};
//   absl::StatusOr<v1::SubmitAttemptResponse> response =
//       RunIdempotent<v1::SubmitAttemptResponse>(
//           db, key, [&](db::WriteTx& tx) -> absl::StatusOr<v1::SubmitAttemptResponse> {
//             return Submit(tx, user, request);  // runs at most once per key
//           });
//
// Guarantees:
// - The mutation commits at most once per (scope, request_id); concurrent
//   retries wait for the first and then replay its response.
// - A mutation that fails stores nothing: a retry runs it again.
// - The same request id with a different request is INVALID_ARGUMENT naming
//   request_id (a client bug, never silently replayed).
#ifndef QS_COMMON_API_IDEMPOTENCY_H_
#define QS_COMMON_API_IDEMPOTENCY_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/db/database.h"
#include "google/protobuf/message.h"

namespace qs::api {

struct IdempotencyKey {
  // Who and what: e.g. the full RPC name plus the acting user, so that two
  // users' request ids never collide.
  std::string scope;
  // The caller's request id (1..128 printable bytes).
  std::string request_id;
  // The request as received; its bytes fingerprint the retry.
  const google::protobuf::Message& request;
};

namespace internal {

// Claims the key inside `tx`. Returns nullopt when this call is the first
// (the caller must run the mutation and then call StoreResponse), or the
// stored response bytes of the first call.
absl::StatusOr<std::optional<std::string>> ClaimOrReplay(db::WriteTx& tx,
                                                         const IdempotencyKey& key);

void StoreResponse(db::WriteTx& tx, const IdempotencyKey& key, const std::string& response_bytes);

absl::Status ValidateRequestId(const std::string& request_id);

}  // namespace internal

template <typename Response>
absl::StatusOr<Response> RunIdempotent(
    db::Database& database, const IdempotencyKey& key,
    const std::function<absl::StatusOr<Response>(db::WriteTx&)>& mutation) {
  if (absl::Status valid = internal::ValidateRequestId(key.request_id); !valid.ok()) {
    return valid;
  }
  return database.Write([&](db::WriteTx& tx) -> absl::StatusOr<Response> {
    absl::StatusOr<std::optional<std::string>> stored = internal::ClaimOrReplay(tx, key);
    if (!stored.ok()) return stored.status();
    if (stored->has_value()) {
      Response replayed;
      if (!replayed.ParseFromString(**stored)) {
        return absl::InternalError("stored idempotent response is corrupt");
      }
      return replayed;
    }
    absl::StatusOr<Response> response = mutation(tx);
    if (response.ok()) {
      internal::StoreResponse(tx, key, response->SerializeAsString());
    }
    return response;
  });
}

}  // namespace qs::api

#endif  // QS_COMMON_API_IDEMPOTENCY_H_
