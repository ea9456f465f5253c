#include "common/api/acting_user.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "common/api/uuid.h"

namespace qs::api {

absl::StatusOr<std::string> ActingUserId(
    const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata) {
  auto [first, last] = client_metadata.equal_range(kUserIdMetadataKey);
  if (first == last) {
    return absl::UnauthenticatedError("missing x-user-id metadata");
  }
  if (std::next(first) != last) {
    return absl::UnauthenticatedError("x-user-id metadata given more than once");
  }
  std::string value(first->second.data(), first->second.size());
  if (!IsUuid(value)) {
    return absl::UnauthenticatedError("x-user-id metadata is not a UUID");
  }
  return absl::AsciiStrToLower(value);
}

absl::StatusOr<std::string> ActingUserId(const grpc::ServerContext& context) {
  return ActingUserId(context.client_metadata());
}

}  // namespace qs::api
