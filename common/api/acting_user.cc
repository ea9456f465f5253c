#include "common/api/acting_user.h"

#include <atomic>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "common/api/uuid.h"
#include "common/base/call_context.h"

namespace qs::api {
namespace {
// Written once before serving starts; read on every call.
std::atomic<IdentitySource> identity_source{IdentitySource::kUserIdHeader};
}  // namespace

void SetIdentitySource(IdentitySource source) {
  identity_source.store(source, std::memory_order_relaxed);
}

bool ReadUserIdHeader(const ClientMetadata& client_metadata, std::string& user,
                      const char*& problem) {
  auto [first, last] = client_metadata.equal_range(kUserIdMetadataKey);
  if (first == last) {
    problem = "missing x-user-id metadata";
    return false;
  }
  if (std::next(first) != last) {
    problem = "x-user-id metadata given more than once";
    return false;
  }
  const absl::string_view value(first->second.data(), first->second.size());
  if (!IsUuid(value)) {
    problem = "x-user-id metadata is not a UUID";
    return false;
  }
  user.assign(value.data(), value.size());
  absl::AsciiStrToLower(&user);
  return true;
}

absl::StatusOr<std::string> ActingUserId(const ClientMetadata& client_metadata) {
  std::string user;
  const char* problem = nullptr;
  if (!ReadUserIdHeader(client_metadata, user, problem)) {
    return absl::UnauthenticatedError(problem);
  }
  return user;
}

absl::StatusOr<const std::string*> ActingUserOf(const grpc::ServerContext& context,
                                                std::string& storage) {
  if (const base::CallContext* call = base::CurrentCall(); call != nullptr) {
    if (!call->user_id.empty()) return &call->user_id;
    if (call->unauthenticated_reason != nullptr) {
      return absl::UnauthenticatedError(call->unauthenticated_reason);
    }
  }
  // No auth hook read this call: only x-user-id can be read here.
  if (identity_source.load(std::memory_order_relaxed) == IdentitySource::kVerifiedToken) {
    return absl::UnauthenticatedError(
        "no authenticated call: bearer tokens are verified only by the auth hook (AUTH_MODE=jwt)");
  }
  const char* problem = nullptr;
  if (!ReadUserIdHeader(context.client_metadata(), storage, problem)) {
    return absl::UnauthenticatedError(problem);
  }
  return &storage;
}

absl::StatusOr<std::string> ActingUserId(const grpc::ServerContext& context) {
  std::string storage;
  absl::StatusOr<const std::string*> user = ActingUserOf(context, storage);
  if (!user.ok()) return user.status();
  // Parsed here: moved out; held by the call's context: copied.
  if (*user == &storage) return std::move(storage);
  return **user;
}

}  // namespace qs::api
