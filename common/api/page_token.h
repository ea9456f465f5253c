// Opaque, signed page tokens for keyset pagination.
//
//   PageTokenCodec codec = *PageTokenCodec::Create(server_config.page_token_key);
//   std::string scope = absl::StrCat("ListPuzzles|", user, "|", filter);
//   // Next page: sign where this page ended.
//   response.set_next_page_token(codec.Encode(scope, last_row_cursor.Serialize()));
//   // Following call: verify, then parse.
//   absl::StatusOr<std::string> cursor = codec.Decode(scope, request.page_token());
//
// A token is base64url(version | cursor | HMAC-SHA256(key, version | scope |
// cursor)). `scope` binds it to one listing (RPC, acting user, filters): a
// token from another listing, signed with another key, tampered with,
// truncated or not base64url at all is INVALID_ARGUMENT "page_token: ...".
// Callers treat an empty token as "first page" before calling Decode.
#ifndef QS_COMMON_API_PAGE_TOKEN_H_
#define QS_COMMON_API_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qs::api {

class PageTokenCodec {
 public:
  // `key` must be at least 16 bytes (PAGE_TOKEN_KEY).
  static absl::StatusOr<PageTokenCodec> Create(std::string key);

  std::string Encode(absl::string_view scope, absl::string_view cursor) const;
  absl::StatusOr<std::string> Decode(absl::string_view scope, absl::string_view token) const;

 private:
  explicit PageTokenCodec(std::string key) : key_(std::move(key)) {}
  std::string Mac(absl::string_view signed_prefix, absl::string_view scope) const;

  std::string key_;
};

}  // namespace qs::api

#endif  // QS_COMMON_API_PAGE_TOKEN_H_
