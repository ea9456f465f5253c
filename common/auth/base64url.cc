#include "common/auth/base64url.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"

namespace qs::auth {
namespace {

// The 6-bit value of a character of the URL-safe alphabet (already checked).
int SextetOf(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  return c == '-' ? 62 : 63;
}

// The bits of the last character that carry no data when a group has 2
// characters (one byte: 4 unused bits) or 3 (two bytes: 2 unused bits).
int UnusedBitsMask(size_t group_size) { return group_size == 2 ? 0x0f : 0x03; }

}  // namespace

absl::StatusOr<std::string> DecodeBase64Url(absl::string_view encoded) {
  // Abseil's decoder also takes padding and skips some whitespace; a token
  // is only valid in its one canonical form, so those are refused first.
  for (char c : encoded) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return absl::InvalidArgumentError("not base64url (a character outside A-Z a-z 0-9 - _)");
    }
  }
  if (encoded.size() % 4 == 1) {
    return absl::InvalidArgumentError("not base64url (a length no encoding has)");
  }
  // The decoder ignores the unused low bits of a short last group ("QR" and
  // "QQ" both decode to "A"); the canonical encoding has them zero, so every
  // byte string has one spelling.
  if (encoded.size() % 4 != 0 &&
      (SextetOf(encoded.back()) & UnusedBitsMask(encoded.size() % 4)) != 0) {
    return absl::InvalidArgumentError("not base64url (not the canonical encoding)");
  }
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(encoded, &decoded)) {
    return absl::InvalidArgumentError("not base64url");
  }
  return decoded;
}

std::string EncodeBase64Url(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

}  // namespace qs::auth
