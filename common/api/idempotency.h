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
//
// Round trips: none of its own on the first call. The claim travels ahead of
// the mutation's first statement, in that statement's round trip (a
// function that locks the key and raises when it is taken;
// migrations/common); the key and response are inserted, as one row, with
// the COMMIT. So the mutation's body starts before
// the claim's answer is known: on a retry its first round trip fails, the
// transaction rolls back, and the stored response is read on the write node
// (two more round trips, on retries only). A mutation must therefore have no
// effect outside `tx`, which it must not have anyway (it may roll back).
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

// Runs the claim and `mutation` in one write transaction. Returns nullopt
// when this call was the first (the mutation committed; it filled its own
// response), the stored response bytes of the first call otherwise, or the
// error of either. `mutation` answers with its response serialised, or
// with its error.
using SerializedMutation = std::function<absl::StatusOr<std::string>(db::WriteTx&)>;
absl::StatusOr<std::optional<std::string>> RunClaimed(db::Database& database,
                                                      const IdempotencyKey& key,
                                                      const SerializedMutation& mutation);

absl::Status ValidateRequestId(const std::string& request_id);

}  // namespace internal

template <typename Response>
absl::StatusOr<Response> RunIdempotent(
    db::Database& database, const IdempotencyKey& key,
    const std::function<absl::StatusOr<Response>(db::WriteTx&)>& mutation) {
  if (absl::Status valid = internal::ValidateRequestId(key.request_id); !valid.ok()) {
    return valid;
  }
  std::optional<Response> fresh;
  absl::StatusOr<std::optional<std::string>> stored =
      internal::RunClaimed(database, key, [&](db::WriteTx& tx) -> absl::StatusOr<std::string> {
        fresh.reset();
        absl::StatusOr<Response> response = mutation(tx);
        if (!response.ok()) return response.status();
        std::string bytes = response->SerializeAsString();
        fresh = *std::move(response);
        return bytes;
      });
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return *std::move(fresh);
  Response replayed;
  if (!replayed.ParseFromString(**stored)) {
    return absl::InternalError("stored idempotent response is corrupt");
  }
  return replayed;
}

}  // namespace qs::api

#endif  // QS_COMMON_API_IDEMPOTENCY_H_
