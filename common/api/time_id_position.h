// The usual keyset position, (timestamp in microseconds, uuid), of lists
// ordered newest first, carried in signed page tokens.
//
//   absl::StatusOr<std::optional<TimeIdPosition>> after =
//       DecodePosition(codec, scope, request.page_token());   // "" -> nullopt
//   ... WHERE (created_at, id) < (after->micros, after->id) ...
//   response.set_next_page_token(EncodePosition(codec, scope, {micros, id}));
#ifndef QS_COMMON_API_TIME_ID_POSITION_H_
#define QS_COMMON_API_TIME_ID_POSITION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/api/page_token.h"

namespace qs::api {

struct TimeIdPosition {
  int64_t micros;
  std::string id;
};

// nullopt for an empty token (the first page); INVALID_ARGUMENT
// "page_token: ..." for a foreign, tampered or malformed one.
absl::StatusOr<std::optional<TimeIdPosition>> DecodePosition(
    const PageTokenCodec& codec, absl::string_view scope, absl::string_view token);

std::string EncodePosition(const PageTokenCodec& codec, absl::string_view scope,
                           const TimeIdPosition& position);

}  // namespace qs::api

#endif  // QS_COMMON_API_TIME_ID_POSITION_H_
