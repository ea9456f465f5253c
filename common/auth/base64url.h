// Base64url without padding (RFC 7515 section 2), the encoding of every part
// of a JWT and of the numbers in a JWK.
//
//   absl::StatusOr<std::string> header = DecodeBase64Url(parts[0]);
#ifndef QS_COMMON_AUTH_BASE64URL_H_
#define QS_COMMON_AUTH_BASE64URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qs::auth {

// The decoded bytes. INVALID_ARGUMENT for anything but the URL-safe alphabet
// (padding, '+', '/', whitespace), a length no encoding has (4n + 1), or a
// non-canonical spelling (non-zero unused bits in the last character, "QR").
// The message never contains the input: it may be a credential.
absl::StatusOr<std::string> DecodeBase64Url(absl::string_view encoded);

// The unpadded encoding (tests and tools that build tokens or JWKS).
std::string EncodeBase64Url(absl::string_view bytes);

}  // namespace qs::auth

#endif  // QS_COMMON_AUTH_BASE64URL_H_
