#include "common/api/page_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"

namespace qs::api {
namespace {

constexpr char kVersion = 1;
constexpr size_t kMacBytes = 32;

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(std::string("page_token: ") + std::string(why));
}

void AppendLength(std::string& out, size_t length) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((length >> shift) & 0xff));
  }
}

}  // namespace

absl::StatusOr<PageTokenCodec> PageTokenCodec::Create(std::string key) {
  if (key.size() < 16) {
    return absl::InvalidArgumentError("page token key: at least 16 bytes");
  }
  return PageTokenCodec(std::move(key));
}

std::string PageTokenCodec::Mac(absl::string_view signed_prefix, absl::string_view scope) const {
  // The scope is length-prefixed so that (scope, cursor) pairs cannot be
  // shifted into one another.
  std::string message;
  message.push_back(signed_prefix.empty() ? 0 : signed_prefix[0]);
  AppendLength(message, scope.size());
  message.append(scope.data(), scope.size());
  message.append(signed_prefix.data() + 1, signed_prefix.size() - 1);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
       &digest_length);
  return std::string(reinterpret_cast<char*>(digest), digest_length);
}

std::string PageTokenCodec::Encode(absl::string_view scope, absl::string_view cursor) const {
  std::string body(1, kVersion);
  body.append(cursor.data(), cursor.size());
  body += Mac(body, scope);
  return absl::WebSafeBase64Escape(body);
}

absl::StatusOr<std::string> PageTokenCodec::Decode(absl::string_view scope,
                                                   absl::string_view token) const {
  if (token.empty()) return Malformed("empty");
  std::string body;
  if (!absl::WebSafeBase64Unescape(token, &body)) return Malformed("not base64url");
  if (absl::WebSafeBase64Escape(body) != token) return Malformed("not canonical");
  if (body.size() < 1 + kMacBytes) return Malformed("truncated");
  if (body[0] != kVersion) return Malformed("unknown version");
  absl::string_view signed_prefix(body.data(), body.size() - kMacBytes);
  std::string expected = Mac(signed_prefix, scope);
  if (CRYPTO_memcmp(expected.data(), body.data() + signed_prefix.size(), kMacBytes) != 0) {
    return Malformed(
        "not valid for this request (tampered, expired key, or "
        "from another listing)");
  }
  return std::string(signed_prefix.substr(1));
}

}  // namespace qs::api
