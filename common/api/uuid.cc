#include "common/api/uuid.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"

namespace qs::api {
namespace {

std::string Format(const unsigned char bytes[16]) {
  char text[37];
  std::snprintf(text, sizeof(text),
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                "%02x%02x%02x%02x%02x%02x",
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14],
                bytes[15]);
  return text;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return absl::ascii_tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

}  // namespace

bool IsUuid(absl::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position) {
      if (text[i] != '-') return false;
    } else if (!absl::ascii_isxdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

std::string NewUuidV4() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // Without randomness no id is safe to hand out.
    std::fprintf(stderr, "FATAL: RAND_bytes failed\n");
    std::abort();
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // variant 1
  return Format(bytes);
}

std::string UuidV5(absl::string_view namespace_uuid, absl::string_view name) {
  if (!IsUuid(namespace_uuid)) return "";
  std::string input;
  input.reserve(16 + name.size());
  for (size_t i = 0; i < namespace_uuid.size(); ++i) {
    if (namespace_uuid[i] == '-') continue;
    const int high = HexValue(namespace_uuid[i++]);
    input.push_back(static_cast<char>(high * 16 + HexValue(namespace_uuid[i])));
  }
  input.append(name.data(), name.size());
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  digest[6] = (digest[6] & 0x0f) | 0x50;  // version 5
  digest[8] = (digest[8] & 0x3f) | 0x80;  // variant 1
  return Format(digest);
}

}  // namespace qs::api
