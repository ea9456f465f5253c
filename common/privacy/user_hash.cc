#include "common/privacy/user_hash.h"

#include <openssl/sha.h>

#include "absl/strings/ascii.h"

namespace qs::privacy {

std::string UserHash(absl::string_view user_id) {
  const std::string lower = absl::AsciiStrToLower(user_id);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(lower.data()), lower.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

}  // namespace qs::privacy
