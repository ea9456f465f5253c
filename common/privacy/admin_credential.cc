#include "common/privacy/admin_credential.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/strings/match.h"

namespace qs::privacy {
namespace {

constexpr absl::string_view kBearer = "Bearer ";

std::string Sha256(absl::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

}  // namespace

absl::Status CheckAdminCredential(const std::optional<std::string>& authorization,
                                  const std::optional<std::string>& configured) {
  if (!configured) {
    return absl::FailedPreconditionError(
        "the Privacy API is disabled on this service: PRIVACY_ADMIN_TOKEN is not configured");
  }
  if (!authorization || !absl::StartsWith(*authorization, kBearer) ||
      authorization->size() == kBearer.size()) {
    return absl::UnauthenticatedError(
        "missing credential: send metadata 'authorization: Bearer <PRIVACY_ADMIN_TOKEN>'");
  }
  const std::string sent = Sha256(absl::string_view(*authorization).substr(kBearer.size()));
  const std::string expected = Sha256(*configured);
  if (CRYPTO_memcmp(sent.data(), expected.data(), sent.size()) != 0) {
    return absl::PermissionDeniedError("the credential is not the Privacy admin token");
  }
  return absl::OkStatus();
}

std::optional<std::string> AuthorizationOf(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto found = metadata.find("authorization");
  if (found == metadata.end()) return std::nullopt;
  return std::string(found->second.data(), found->second.size());
}

}  // namespace qs::privacy
