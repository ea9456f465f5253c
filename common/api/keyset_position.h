// The usual keyset position of a list ordered by (number, uuid) — e.g.
// (created_at in microseconds, id) newest first, or (score, user_id) —
// carried in signed page tokens. A list ordered by a text column (a name)
// then uuid puts the text in `text` and leaves `key` 0:
//   EncodePosition(codec, scope, {0, guild.id(), name_key})
//
//   absl::StatusOr<std::optional<KeysetPosition>> after =
//       DecodePosition(codec, scope, request.page_token());   // "" -> nullopt
//   ... WHERE (created_at, id) < (after->key, after->id) ...
//   response.set_next_page_token(EncodePosition(codec, scope, {micros, id}));
#ifndef QS_COMMON_API_KEYSET_POSITION_H_
#define QS_COMMON_API_KEYSET_POSITION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/api/page_token.h"

namespace qs::api {

struct KeysetPosition {
  int64_t key;
  std::string id;
  // Lists ordered by (text, id): the text of the last row; "" otherwise.
  std::string text = "";
};

// nullopt for an empty token (the first page); INVALID_ARGUMENT
// "page_token: ..." for a foreign, tampered or malformed one.
absl::StatusOr<std::optional<KeysetPosition>> DecodePosition(const PageTokenCodec& codec,
                                                             absl::string_view scope,
                                                             absl::string_view token);

std::string EncodePosition(const PageTokenCodec& codec, absl::string_view scope,
                           const KeysetPosition& position);

}  // namespace qs::api

#endif  // QS_COMMON_API_KEYSET_POSITION_H_
